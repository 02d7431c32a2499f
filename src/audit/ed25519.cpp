// SPDX-License-Identifier: Apache-2.0
#include "audit/ed25519.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/os_random.hpp"

namespace zkinfer::audit {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

constexpr std::size_t kMaxKeyFile = 1 << 16;

Pkey private_pkey(std::span<const std::uint8_t, 32> seed) {
  Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  require(key != nullptr, "OpenSSL could not create an Ed25519 key");
  return key;
}

MdCtx md_ctx() {
  MdCtx ctx(EVP_MD_CTX_new());
  require(ctx != nullptr, "OpenSSL could not allocate a signing context");
  return ctx;
}

// OpenSSL's one-shot sign and verify want a pointer even for an empty message.
const std::uint8_t* non_null(ByteSpan message) {
  static const std::uint8_t kNothing = 0;
  return message.empty() ? &kNothing : message.data();
}

}  // namespace

Ed25519PrivateKey::Ed25519PrivateKey(std::span<const std::uint8_t, 32> seed) {
  std::copy(seed.begin(), seed.end(), seed_.begin());
  const Pkey key = private_pkey(seed_);
  std::size_t length = public_key_.bytes.size();
  require(EVP_PKEY_get_raw_public_key(key.get(), public_key_.bytes.data(), &length) == 1 &&
              length == 32,
          "OpenSSL could not derive the Ed25519 public key");
}

Ed25519PrivateKey::~Ed25519PrivateKey() {
  OPENSSL_cleanse(seed_.data(), seed_.size());
}

Ed25519PrivateKey Ed25519PrivateKey::generate() {
  std::array<std::uint8_t, 32> seed;
  os_random_bytes(seed);
  Ed25519PrivateKey key(seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return key;
}

Ed25519PrivateKey Ed25519PrivateKey::from_seed(std::span<const std::uint8_t, 32> seed) {
  return Ed25519PrivateKey(seed);
}

Ed25519PrivateKey Ed25519PrivateKey::load(const std::filesystem::path& path) {
  Bytes contents = read_file(path, kMaxKeyFile);
  const auto wipe = [&] { OPENSSL_cleanse(contents.data(), contents.size()); };
  if (contents.size() == 32) {
    Ed25519PrivateKey key(std::span<const std::uint8_t, 32>(contents.data(), 32));
    wipe();
    return key;
  }
  const std::string_view text(reinterpret_cast<const char*>(contents.data()), contents.size());
  if (text.find("-----BEGIN PRIVATE KEY-----") == std::string_view::npos) {
    wipe();
    fail("key file " + path.string() +
         ": neither a PEM private key nor a raw 32-byte Ed25519 seed (" +
         std::to_string(contents.size()) + " bytes)");
  }
  Bio bio(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size())));
  Pkey pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  wipe();
  if (pkey == nullptr) fail("key file " + path.string() + ": malformed PEM private key");
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519)
    fail("key file " + path.string() + ": the PEM key is not an Ed25519 key");
  std::array<std::uint8_t, 32> seed;
  std::size_t length = seed.size();
  require(EVP_PKEY_get_raw_private_key(pkey.get(), seed.data(), &length) == 1 && length == 32,
          "OpenSSL could not export the Ed25519 seed");
  Ed25519PrivateKey key(seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return key;
}

void Ed25519PrivateKey::save_pem(const std::filesystem::path& path) const {
  const Pkey key = private_pkey(seed_);
  Bio bio(BIO_new(BIO_s_secmem()));
  require(bio != nullptr && PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0,
                                                     nullptr, nullptr) == 1,
          "OpenSSL could not encode the private key as PEM");
  const std::uint8_t* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  write_file_atomic(path, ByteSpan(data, static_cast<std::size_t>(length)), 0600);
}

void Ed25519PrivateKey::save_seed(const std::filesystem::path& path) const {
  write_file_atomic(path, seed_, 0600);
}

Ed25519Signature Ed25519PrivateKey::sign(ByteSpan message) const {
  const Pkey key = private_pkey(seed_);
  const MdCtx ctx = md_ctx();
  const std::uint8_t* data = non_null(message);
  Ed25519Signature signature;
  std::size_t length = signature.size();
  require(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
              EVP_DigestSign(ctx.get(), signature.data(), &length, data, message.size()) == 1 &&
              length == signature.size(),
          "OpenSSL Ed25519 signing failed");
  return signature;
}

bool ed25519_verify(const Ed25519PublicKey& key, ByteSpan message, ByteSpan signature) {
  if (signature.size() != 64) return false;
  const Pkey pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.bytes.data(), key.bytes.size()));
  if (pkey == nullptr) return false;
  const MdCtx ctx = md_ctx();
  const std::uint8_t* data = non_null(message);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data, message.size()) == 1;
}

}  // namespace zkinfer::audit
