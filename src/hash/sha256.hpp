// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/bytes.hpp"

namespace zkinfer::hash {

// SHA-256 (FIPS 180-4) and the raw compression function used as the Merkle
// two-to-one node hash. Every entry point has a portable C++ path and an
// x86 SHA-NI path chosen at run time, so one binary runs on any x86-64 CPU.

struct Digest {
  std::array<std::uint8_t, 32> bytes{};
  bool operator==(const Digest&) const = default;
};
static_assert(sizeof(Digest) == 32, "Digest spans are reinterpreted as 64-byte blocks");

std::string to_hex(const Digest& d);

// Which implementation of the compression function to run. kShaNi may only be
// requested when sha256_impl_available(kShaNi); asking for it anyway aborts
// (it is a programming error, and executing SHA instructions would SIGILL).
enum class Sha256Impl { kPortable, kShaNi };

// kShaNi when the CPU has SHA-NI and ZKINFER_ISA does not cap the process to
// scalar code (best_isa() == Isa::kScalar means "portable only").
Sha256Impl sha256_default_impl();
bool sha256_impl_available(Sha256Impl impl);
const char* sha256_impl_name(Sha256Impl impl);

inline constexpr std::array<std::uint32_t, 8> kSha256Iv = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// FIPS 180-4 section 4.2.2 round constants K0..K63.
inline constexpr std::array<std::uint32_t, 64> kSha256RoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// The FIPS 180-4 compression function over n_blocks consecutive 64-byte
// blocks, updating `state` in place. No padding, no length encoding.
void sha256_compress(std::uint32_t state[8], const std::uint8_t* blocks, std::size_t n_blocks);
void sha256_compress_portable(std::uint32_t state[8], const std::uint8_t* blocks,
                              std::size_t n_blocks);
void sha256_compress_shani(std::uint32_t state[8], const std::uint8_t* blocks,
                           std::size_t n_blocks);  // requires SHA-NI

// digests[i] = the state after compressing message i from the standard IV,
// written big-endian, for back-to-back messages of blocks_per_message 64-byte
// blocks each. On messages already padded (sha256_write_padding) this is
// SHA-256 of each; on single unpadded blocks it is the Merkle node function.
// The SHA-NI path runs several messages interleaved: every SHA256RNDS2
// depends on the previous one, so one message alone leaves the unit idle.
// Requires blocks.size() == 64 * blocks_per_message * digests.size() (aborts
// otherwise: a caller bug, not bad input).
void compress_from_iv(ByteSpan blocks, std::size_t blocks_per_message, std::span<Digest> digests,
                      Sha256Impl impl = sha256_default_impl());

// Merkle node function: one compression of the 64-byte block left ‖ right
// from the standard IV, no padding; the state is output big-endian. It is
// not SHA-256(left ‖ right): it saves the second (padding) compression, and
// a collision in it is a SHA-256 collision on 64-byte messages (both get the
// same padding block), so it is as collision resistant as SHA-256.
Digest compress(const Digest& left, const Digest& right, Sha256Impl impl = sha256_default_impl());

// parents[i] = compress(children[2i], children[2i+1]) for every i: the Merkle
// hot loop. Requires children.size() == 2 * parents.size() (aborts otherwise).
void compress_pairs(std::span<const Digest> children, std::span<Digest> parents,
                    Sha256Impl impl = sha256_default_impl());

// FIPS 180-4 section 5.1.1: a message of len bytes occupies this many bytes
// once padded.
constexpr std::size_t sha256_padded_size(std::size_t len) {
  return (len + 9 + 63) / 64 * 64;
}

// Writes the padding of a message_len-byte message into `tail`, the bytes
// from just after the message to the end of its last padded block: 0x80,
// zeros, then the 64-bit big-endian bit length. Requires tail.size() ==
// sha256_padded_size(message_len) - message_len, which depends only on
// message_len mod 64, so the tail may follow just the last partial block.
void sha256_write_padding(std::span<std::uint8_t> tail, std::uint64_t message_len);

// Incremental SHA-256. finalize() returns the digest of everything absorbed
// since construction or the last reset, and leaves the hasher reset, so one
// object can hash many messages. Messages are limited to 2^61 - 1 bytes.
class Sha256 {
 public:
  explicit Sha256(Sha256Impl impl = sha256_default_impl());
  Sha256& update(ByteSpan data);
  Digest finalize();
  void reset();

 private:
  using CompressFn = void (*)(std::uint32_t*, const std::uint8_t*, std::size_t);
  CompressFn compress_;
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

Digest sha256(ByteSpan data, Sha256Impl impl = sha256_default_impl());

}  // namespace zkinfer::hash
