// SPDX-License-Identifier: Apache-2.0
//
// OpenSSL is the reference. Its low-level SHA256_Transform is deprecated in
// 3.0 but is the only public way to run the bare compression function, which
// is exactly what sha256_compress and the Merkle node function must match.
#define OPENSSL_API_COMPAT 0x10100000L
#define OPENSSL_SUPPRESS_DEPRECATED

#include "hash/sha256.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/cpu_features.hpp"

namespace zkinfer::hash {
namespace {

Bytes random_bytes(std::mt19937_64& rng, std::size_t n) {
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

Digest random_digest(std::mt19937_64& rng) {
  Digest d;
  for (auto& b : d.bytes) b = static_cast<std::uint8_t>(rng());
  return d;
}

Digest openssl_sha256(ByteSpan data) {
  Digest d;
  unsigned len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), d.bytes.data(), &len, EVP_sha256(), nullptr), 1);
  EXPECT_EQ(len, 32u);
  return d;
}

// OpenSSL's compression function applied to n_blocks blocks from `state`.
void openssl_compress(std::uint32_t state[8], const std::uint8_t* blocks, std::size_t n_blocks) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  for (int i = 0; i < 8; ++i) ctx.h[i] = state[i];
  for (std::size_t b = 0; b < n_blocks; ++b) SHA256_Transform(&ctx, blocks + 64 * b);
  for (int i = 0; i < 8; ++i) state[i] = ctx.h[i];
}

std::vector<Sha256Impl> available_impls() {
  std::vector<Sha256Impl> impls = {Sha256Impl::kPortable};
  if (sha256_impl_available(Sha256Impl::kShaNi)) impls.push_back(Sha256Impl::kShaNi);
  return impls;
}

Bytes as_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

TEST(Sha256, FipsVectors) {
  for (Sha256Impl impl : available_impls()) {
    SCOPED_TRACE(sha256_impl_name(impl));
    EXPECT_EQ(to_hex(sha256(as_bytes("abc"), impl)),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(to_hex(sha256(as_bytes(""), impl)),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(
        to_hex(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), impl)),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  }
}

TEST(Sha256, OneShotMatchesOpenSslForEveryLengthUpTo300) {
  std::mt19937_64 rng(1);
  for (std::size_t len = 0; len <= 300; ++len) {
    const Bytes msg = random_bytes(rng, len);
    const Digest want = openssl_sha256(msg);
    for (Sha256Impl impl : available_impls()) {
      ASSERT_EQ(sha256(msg, impl), want) << "len " << len << " " << sha256_impl_name(impl);
    }
    ASSERT_EQ(sha256(msg), want);
  }
}

TEST(Sha256, OneShotMatchesOpenSslOnLongInputs) {
  std::mt19937_64 rng(2);
  for (std::size_t len : {1000u, 4096u, 65537u, (1u << 20) + 13u}) {
    const Bytes msg = random_bytes(rng, len);
    const Digest want = openssl_sha256(msg);
    for (Sha256Impl impl : available_impls()) {
      EXPECT_EQ(sha256(msg, impl), want) << "len " << len << " " << sha256_impl_name(impl);
    }
  }
}

TEST(Sha256, IncrementalWithRandomSplitsAndReuse) {
  std::mt19937_64 rng(3);
  for (Sha256Impl impl : available_impls()) {
    Sha256 h(impl);  // one object for every message: finalize() must reset it
    for (int trial = 0; trial < 300; ++trial) {
      const Bytes msg = random_bytes(rng, rng() % 700);
      std::size_t at = 0;
      while (at < msg.size()) {
        const std::size_t step = std::min<std::size_t>(msg.size() - at, rng() % 150);
        h.update(ByteSpan(msg).subspan(at, step));
        at += step;
      }
      ASSERT_EQ(h.finalize(), openssl_sha256(msg)) << "trial " << trial;
    }
    h.update(as_bytes("discarded"));
    h.reset();
    EXPECT_EQ(h.update(as_bytes("abc")).finalize(), openssl_sha256(as_bytes("abc")));
  }
}

void check_compress_against_openssl(void (*compress_fn)(std::uint32_t*, const std::uint8_t*,
                                                        std::size_t)) {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 500; ++trial) {
    const std::size_t n_blocks = 1 + rng() % 5;
    const Bytes blocks = random_bytes(rng, 64 * n_blocks);
    std::uint32_t ours[8], theirs[8];
    for (int i = 0; i < 8; ++i) ours[i] = theirs[i] = static_cast<std::uint32_t>(rng());
    compress_fn(ours, blocks.data(), n_blocks);
    openssl_compress(theirs, blocks.data(), n_blocks);
    ASSERT_EQ(std::memcmp(ours, theirs, sizeof ours), 0) << "trial " << trial;
  }
}

TEST(Sha256, CompressPortableMatchesOpenSsl) {
  check_compress_against_openssl(sha256_compress_portable);
}

TEST(Sha256, CompressShaNiMatchesOpenSsl) {
  if (!cpu_has_sha_ni()) GTEST_SKIP() << "CPU has no SHA-NI";
  check_compress_against_openssl(sha256_compress_shani);
}

TEST(Sha256, DispatchedCompressMatchesOpenSsl) {
  check_compress_against_openssl(sha256_compress);
}

TEST(Sha256, DefaultImplFollowsCpuAndIsaCap) {
  const char* cap = std::getenv("ZKINFER_ISA");
  const bool scalar_only = cap != nullptr && std::string_view(cap) == "scalar";
  if (scalar_only || !cpu_has_sha_ni()) {
    EXPECT_EQ(sha256_default_impl(), Sha256Impl::kPortable);
  } else if (best_isa() != Isa::kScalar) {
    EXPECT_EQ(sha256_default_impl(), Sha256Impl::kShaNi);
  }
}

TEST(Sha256, NodeCompressIsOneCompressionFromTheIv) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    const Digest left = random_digest(rng), right = random_digest(rng);
    std::uint8_t block[64];
    std::memcpy(block, left.bytes.data(), 32);
    std::memcpy(block + 32, right.bytes.data(), 32);
    std::uint32_t state[8];
    std::memcpy(state, kSha256Iv.data(), sizeof state);
    openssl_compress(state, block, 1);
    Digest want;
    for (int i = 0; i < 8; ++i) {
      for (int j = 0; j < 4; ++j) {
        want.bytes[4 * i + j] = static_cast<std::uint8_t>(state[i] >> (24 - 8 * j));
      }
    }
    for (Sha256Impl impl : available_impls()) {
      ASSERT_EQ(compress(left, right, impl), want) << sha256_impl_name(impl);
    }
    ASSERT_EQ(compress(left, right), want);
  }
}

TEST(Sha256, CompressPairsMatchesCompressElementwise) {
  std::mt19937_64 rng(6);
  for (std::size_t n : {0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 13u, 31u, 64u, 127u, 1000u}) {
    std::vector<Digest> children(2 * n);
    for (auto& c : children) c = random_digest(rng);
    for (Sha256Impl impl : available_impls()) {
      std::vector<Digest> parents(n);
      compress_pairs(children, parents, impl);
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(parents[i], compress(children[2 * i], children[2 * i + 1], Sha256Impl::kPortable))
            << "n " << n << " i " << i << " " << sha256_impl_name(impl);
      }
    }
  }
}

TEST(Sha256, CompressFromIvOnPaddedMessagesIsSha256) {
  std::mt19937_64 rng(7);
  for (std::size_t len : {0u, 5u, 55u, 56u, 64u, 119u, 120u, 200u}) {
    const std::size_t padded = sha256_padded_size(len);
    for (std::size_t n : {1u, 3u, 4u, 5u, 8u, 11u}) {
      Bytes blocks(n * padded);
      std::vector<Digest> want(n);
      for (std::size_t i = 0; i < n; ++i) {
        const Bytes msg = random_bytes(rng, len);
        std::copy(msg.begin(), msg.end(), blocks.begin() + static_cast<std::ptrdiff_t>(i * padded));
        sha256_write_padding(std::span(blocks).subspan(i * padded + len, padded - len), len);
        want[i] = openssl_sha256(msg);
      }
      for (Sha256Impl impl : available_impls()) {
        std::vector<Digest> got(n);
        compress_from_iv(blocks, padded / 64, got, impl);
        ASSERT_EQ(got, want) << "len " << len << " n " << n << " " << sha256_impl_name(impl);
      }
    }
  }
}

TEST(Sha256, ToHex) {
  Digest d;
  d.bytes[0] = 0x01;
  d.bytes[31] = 0xfe;
  EXPECT_EQ(to_hex(d), "01" + std::string(60, '0') + "fe");
}

}  // namespace
}  // namespace zkinfer::hash
