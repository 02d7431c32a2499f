// SPDX-License-Identifier: Apache-2.0
#include "hash/sha256.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/cpu_features.hpp"
#include "base/hex.hpp"

namespace zkinfer::hash {

// Defined in sha256_ni.cpp, the only file that emits SHA instructions.
void compress_from_iv_shani(const std::uint8_t* blocks, std::size_t blocks_per_message,
                            std::size_t n_messages, std::uint8_t* digests);

namespace {

std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

Digest state_to_digest(const std::uint32_t state[8]) {
  Digest d;
  for (int i = 0; i < 8; ++i) store_be32(d.bytes.data() + 4 * i, state[i]);
  return d;
}

[[noreturn]] void abort_with(const char* what) {
  std::fprintf(stderr, "zkinfer::hash: %s\n", what);
  std::abort();
}

using CompressFn = void (*)(std::uint32_t*, const std::uint8_t*, std::size_t);

void check_available(Sha256Impl impl) {
  if (!sha256_impl_available(impl)) abort_with("SHA-NI requested on a CPU without it");
}

CompressFn compress_fn(Sha256Impl impl) {
  check_available(impl);
  return impl == Sha256Impl::kShaNi ? sha256_compress_shani : sha256_compress_portable;
}

}  // namespace

std::string to_hex(const Digest& d) {
  return hex_encode(d.bytes);
}

bool sha256_impl_available(Sha256Impl impl) {
  static const bool has_sha_ni = cpu_has_sha_ni();
  return impl == Sha256Impl::kPortable || has_sha_ni;
}

Sha256Impl sha256_default_impl() {
  static const Sha256Impl chosen =
      sha256_impl_available(Sha256Impl::kShaNi) && best_isa() != Isa::kScalar
          ? Sha256Impl::kShaNi
          : Sha256Impl::kPortable;
  return chosen;
}

const char* sha256_impl_name(Sha256Impl impl) {
  return impl == Sha256Impl::kShaNi ? "sha-ni" : "portable";
}

void sha256_compress_portable(std::uint32_t state[8], const std::uint8_t* blocks,
                              std::size_t n_blocks) {
  for (std::size_t blk = 0; blk < n_blocks; ++blk, blocks += 64) {
    // A 16-word rolling schedule keeps the working set in registers.
    std::uint32_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = load_be32(blocks + 4 * i);
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
#pragma GCC unroll 64
    for (int t = 0; t < 64; ++t) {
      if (t >= 16) {
        const std::uint32_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
        const std::uint32_t s0 = std::rotr(w15, 7) ^ std::rotr(w15, 18) ^ (w15 >> 3);
        const std::uint32_t s1 = std::rotr(w2, 17) ^ std::rotr(w2, 19) ^ (w2 >> 10);
        w[t & 15] += s0 + w[(t - 7) & 15] + s1;
      }
      const std::uint32_t big_s1 = std::rotr(e, 6) ^ std::rotr(e, 11) ^ std::rotr(e, 25);
      const std::uint32_t ch = (e & f) ^ (~e & g);
      const std::uint32_t t1 = h + big_s1 + ch + kSha256RoundConstants[t] + w[t & 15];
      const std::uint32_t big_s0 = std::rotr(a, 2) ^ std::rotr(a, 13) ^ std::rotr(a, 22);
      const std::uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + big_s0 + maj;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
    state[5] += f;
    state[6] += g;
    state[7] += h;
  }
}

void sha256_compress(std::uint32_t state[8], const std::uint8_t* blocks, std::size_t n_blocks) {
  compress_fn(sha256_default_impl())(state, blocks, n_blocks);
}

void compress_from_iv(ByteSpan blocks, std::size_t blocks_per_message, std::span<Digest> digests,
                      Sha256Impl impl) {
  const std::size_t n_blocks = blocks.size() / 64;
  if (blocks_per_message == 0 || blocks.size() % 64 != 0 || n_blocks % blocks_per_message != 0 ||
      n_blocks / blocks_per_message != digests.size()) {
    abort_with("compress_from_iv: size mismatch");
  }
  check_available(impl);
  if (impl == Sha256Impl::kShaNi) {
    compress_from_iv_shani(blocks.data(), blocks_per_message, digests.size(),
                           reinterpret_cast<std::uint8_t*>(digests.data()));
    return;
  }
  const std::size_t stride = 64 * blocks_per_message;
  for (std::size_t i = 0; i < digests.size(); ++i) {
    std::array<std::uint32_t, 8> state = kSha256Iv;
    sha256_compress_portable(state.data(), blocks.data() + stride * i, blocks_per_message);
    digests[i] = state_to_digest(state.data());
  }
}

Digest compress(const Digest& left, const Digest& right, Sha256Impl impl) {
  const Digest children[2] = {left, right};
  Digest out;
  compress_pairs(children, std::span(&out, 1), impl);
  return out;
}

void compress_pairs(std::span<const Digest> children, std::span<Digest> parents, Sha256Impl impl) {
  if (children.size() != 2 * parents.size()) abort_with("compress_pairs: size mismatch");
  // Two adjacent 32-byte digests are exactly one 64-byte block.
  compress_from_iv(ByteSpan(reinterpret_cast<const std::uint8_t*>(children.data()),
                            children.size() * sizeof(Digest)),
                   1, parents, impl);
}

void sha256_write_padding(std::span<std::uint8_t> tail, std::uint64_t message_len) {
  if (tail.size() != sha256_padded_size(message_len % 64) - message_len % 64) {
    abort_with("sha256_write_padding: wrong tail size");
  }
  std::memset(tail.data(), 0, tail.size());
  tail[0] = 0x80;
  const std::uint64_t bits = message_len * 8;
  for (std::size_t i = 0; i < 8; ++i) {
    tail[tail.size() - 1 - i] = static_cast<std::uint8_t>(bits >> (8 * i));
  }
}

Sha256::Sha256(Sha256Impl impl) : compress_(compress_fn(impl)), state_(kSha256Iv) {}

void Sha256::reset() {
  state_ = kSha256Iv;
  buffered_ = 0;
  total_bytes_ = 0;
}

Sha256& Sha256::update(ByteSpan data) {
  if (data.empty()) return *this;  // an empty span may carry a null pointer, invalid for memcpy
  total_bytes_ += data.size();
  const std::uint8_t* p = data.data();
  std::size_t left = data.size();
  if (buffered_ > 0) {
    const std::size_t take = std::min(left, buffer_.size() - buffered_);
    std::memcpy(buffer_.data() + buffered_, p, take);
    buffered_ += take;
    p += take;
    left -= take;
    if (buffered_ < buffer_.size()) return *this;
    compress_(state_.data(), buffer_.data(), 1);
    buffered_ = 0;
  }
  const std::size_t full = left / 64;
  if (full > 0) {
    compress_(state_.data(), p, full);
    p += 64 * full;
    left -= 64 * full;
  }
  if (left > 0) {
    std::memcpy(buffer_.data(), p, left);
    buffered_ = left;
  }
  return *this;
}

Digest Sha256::finalize() {
  std::uint8_t tail[128];
  std::memcpy(tail, buffer_.data(), buffered_);
  const std::size_t padded = sha256_padded_size(buffered_);
  sha256_write_padding(std::span(tail + buffered_, padded - buffered_), total_bytes_);
  compress_(state_.data(), tail, padded / 64);
  const Digest out = state_to_digest(state_.data());
  reset();
  return out;
}

Digest sha256(ByteSpan data, Sha256Impl impl) {
  return Sha256(impl).update(data).finalize();
}

}  // namespace zkinfer::hash
