// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>

#include "base/bytes.hpp"

namespace zkinfer::audit {

// Ed25519 (RFC 8032) through OpenSSL's EVP interface: the signature scheme of
// checkpoints and witness cosignatures.

struct Ed25519PublicKey {
  std::array<std::uint8_t, 32> bytes{};
  bool operator==(const Ed25519PublicKey&) const = default;
};

using Ed25519Signature = std::array<std::uint8_t, 64>;

class Ed25519PrivateKey {
 public:
  // A fresh key from the OS CSPRNG.
  static Ed25519PrivateKey generate();
  // The RFC 8032 private key is a 32-byte seed; the public key follows from it.
  static Ed25519PrivateKey from_seed(std::span<const std::uint8_t, 32> seed);
  // A PKCS#8 PEM private key ("BEGIN PRIVATE KEY", as `openssl genpkey
  // -algorithm ed25519` writes) or a raw 32-byte seed; Error naming the file
  // otherwise.
  static Ed25519PrivateKey load(const std::filesystem::path& path);

  Ed25519PrivateKey(const Ed25519PrivateKey& other) = default;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey& other) = default;
  ~Ed25519PrivateKey();

  // Written atomically with mode 0600.
  void save_pem(const std::filesystem::path& path) const;
  void save_seed(const std::filesystem::path& path) const;

  const Ed25519PublicKey& public_key() const { return public_key_; }
  // The RFC 8032 secret seed, for writing the key in another format.
  const std::array<std::uint8_t, 32>& seed() const { return seed_; }
  Ed25519Signature sign(ByteSpan message) const;

 private:
  explicit Ed25519PrivateKey(std::span<const std::uint8_t, 32> seed);
  std::array<std::uint8_t, 32> seed_;
  Ed25519PublicKey public_key_;
};

// True iff `signature` is a valid Ed25519 signature of `message` under `key`
// (OpenSSL rejects non-canonical encodings, so signatures are not malleable).
bool ed25519_verify(const Ed25519PublicKey& key, ByteSpan message, ByteSpan signature);

}  // namespace zkinfer::audit
