// SPDX-License-Identifier: Apache-2.0
//
// SHA-256 compression with the x86 SHA extensions. Only functions carrying
// the target attribute below use SHA/SSE4.1 instructions: the file is built
// with the project's baseline flags, so no inline function from a header is
// ever compiled for a CPU the binary may not run on. Everything here is in an
// anonymous namespace except the two entry points, which sha256.cpp reaches
// only after checking that the CPU has SHA-NI.

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "hash/sha256.hpp"

#define ZKINFER_SHA_TARGET __attribute__((target("sha,sse4.1")))
#define ZKINFER_SHA_INLINE __attribute__((target("sha,sse4.1"), always_inline)) inline

namespace zkinfer::hash {
namespace {

// Every SHA256RNDS2 depends on the previous one, so a single block leaves
// the SHA unit idle part of the time. Independent messages (Merkle nodes,
// leaves) are therefore hashed this many at a time. Measured on the Zen 5
// development machine: one stream ~40 M compressions/s, two to five 46-52 M/s
// with four marginally best (a few schedule registers spill, which costs less
// than the latency it hides), six spill enough to fall to ~34 M/s.
constexpr int kStreams = 4;

// The SHA instructions keep the state as two registers, ABEF and CDGH.
template <int S>
struct Streams {
  __m128i abef[S];
  __m128i cdgh[S];
  __m128i w[S][4];  // rolling message schedule, four words per register
};

ZKINFER_SHA_INLINE __m128i byte_swap_words() {
  return _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
}

ZKINFER_SHA_INLINE __m128i round_constants(int quad) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(kSha256RoundConstants.data() + 4 * quad));
}

// Rounds 4Q .. 4Q+3 for S independent streams; stream s reads its block at
// in + stride * s. Message expansion for later quads is interleaved as in the
// Intel SHA extensions reference flow.
template <int S, int Q>
ZKINFER_SHA_INLINE void quad(Streams<S>& x, const std::uint8_t* in, std::size_t stride) {
  const __m128i k = round_constants(Q);
  __m128i msg[S];
#pragma GCC unroll 4
  for (int s = 0; s < S; ++s) {
    if constexpr (Q < 4) {
      const __m128i raw =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + stride * s + 16 * Q));
      x.w[s][Q] = _mm_shuffle_epi8(raw, byte_swap_words());
    }
    msg[s] = _mm_add_epi32(x.w[s][Q % 4], k);
    x.cdgh[s] = _mm_sha256rnds2_epu32(x.cdgh[s], x.abef[s], msg[s]);
  }
  if constexpr (Q >= 3 && Q <= 14) {
#pragma GCC unroll 4
    for (int s = 0; s < S; ++s) {
      const __m128i w7 = _mm_alignr_epi8(x.w[s][Q % 4], x.w[s][(Q + 3) % 4], 4);
      x.w[s][(Q + 1) % 4] =
          _mm_sha256msg2_epu32(_mm_add_epi32(x.w[s][(Q + 1) % 4], w7), x.w[s][Q % 4]);
    }
  }
#pragma GCC unroll 4
  for (int s = 0; s < S; ++s) {
    msg[s] = _mm_shuffle_epi32(msg[s], 0x0E);
    x.abef[s] = _mm_sha256rnds2_epu32(x.abef[s], x.cdgh[s], msg[s]);
  }
  if constexpr (Q >= 1 && Q <= 12) {
#pragma GCC unroll 4
    for (int s = 0; s < S; ++s)
      x.w[s][(Q + 3) % 4] = _mm_sha256msg1_epu32(x.w[s][(Q + 3) % 4], x.w[s][Q % 4]);
  }
}

template <int S, std::size_t... Q>
ZKINFER_SHA_INLINE void all_rounds(Streams<S>& x, const std::uint8_t* in, std::size_t stride,
                                   std::index_sequence<Q...>) {
  (quad<S, static_cast<int>(Q)>(x, in, stride), ...);
}

template <int S>
ZKINFER_SHA_INLINE void sixty_four_rounds(Streams<S>& x, const std::uint8_t* in,
                                          std::size_t stride) {
  all_rounds<S>(x, in, stride, std::make_index_sequence<16>{});
}

ZKINFER_SHA_INLINE int i32(std::uint32_t v) {
  return static_cast<int>(v);
}

// state[0..8) <-> (ABEF, CDGH).
ZKINFER_SHA_INLINE void load_state(const std::uint32_t state[8], __m128i& abef, __m128i& cdgh) {
  abef = _mm_set_epi32(i32(state[0]), i32(state[1]), i32(state[4]), i32(state[5]));
  cdgh = _mm_set_epi32(i32(state[2]), i32(state[3]), i32(state[6]), i32(state[7]));
}

ZKINFER_SHA_INLINE void store_state(__m128i abef, __m128i cdgh, std::uint32_t state[8]) {
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  const __m128i abcd = _mm_blend_epi16(feba, dchg, 0xF0);
  const __m128i efgh = _mm_alignr_epi8(dchg, feba, 8);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), abcd);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), efgh);
}

// Writes the state as the 32-byte big-endian digest.
ZKINFER_SHA_INLINE void store_digest(__m128i abef, __m128i cdgh, std::uint8_t* out) {
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  const __m128i abcd = _mm_blend_epi16(feba, dchg, 0xF0);
  const __m128i efgh = _mm_alignr_epi8(dchg, feba, 8);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_shuffle_epi8(abcd, byte_swap_words()));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_shuffle_epi8(efgh, byte_swap_words()));
}

// S messages of n_blocks blocks each, `stride` bytes apart, hashed from the
// IV. kOneBlock (Merkle nodes) feeds the IV forward from registers instead of
// saving the state before each block.
template <int S, bool kOneBlock>
ZKINFER_SHA_INLINE void messages_from_iv(const std::uint8_t* msgs, std::size_t n_blocks,
                                         std::uint8_t* digests) {
  const std::size_t stride = 64 * n_blocks;
  __m128i iv_abef, iv_cdgh;
  load_state(kSha256Iv.data(), iv_abef, iv_cdgh);
  Streams<S> x;
#pragma GCC unroll 4
  for (int s = 0; s < S; ++s) {
    x.abef[s] = iv_abef;
    x.cdgh[s] = iv_cdgh;
  }
  if constexpr (kOneBlock) {
    sixty_four_rounds<S>(x, msgs, stride);
#pragma GCC unroll 4
    for (int s = 0; s < S; ++s) {
      x.abef[s] = _mm_add_epi32(x.abef[s], iv_abef);
      x.cdgh[s] = _mm_add_epi32(x.cdgh[s], iv_cdgh);
    }
  } else {
    for (std::size_t b = 0; b < n_blocks; ++b) {
      __m128i abef[S], cdgh[S];
#pragma GCC unroll 4
      for (int s = 0; s < S; ++s) {
        abef[s] = x.abef[s];
        cdgh[s] = x.cdgh[s];
      }
      sixty_four_rounds<S>(x, msgs + 64 * b, stride);
#pragma GCC unroll 4
      for (int s = 0; s < S; ++s) {
        x.abef[s] = _mm_add_epi32(x.abef[s], abef[s]);
        x.cdgh[s] = _mm_add_epi32(x.cdgh[s], cdgh[s]);
      }
    }
  }
#pragma GCC unroll 4
  for (int s = 0; s < S; ++s) store_digest(x.abef[s], x.cdgh[s], digests + 32 * s);
}

template <bool kOneBlock>
ZKINFER_SHA_INLINE void all_messages_from_iv(const std::uint8_t* blocks, std::size_t n_blocks,
                                             std::size_t n, std::uint8_t* digests) {
  const std::size_t stride = 64 * n_blocks;
  std::size_t i = 0;
  for (; i + kStreams <= n; i += kStreams) {
    messages_from_iv<kStreams, kOneBlock>(blocks + stride * i, n_blocks, digests + 32 * i);
  }
  for (; i < n; ++i)
    messages_from_iv<1, kOneBlock>(blocks + stride * i, n_blocks, digests + 32 * i);
}

ZKINFER_SHA_TARGET void compress_blocks(std::uint32_t state[8], const std::uint8_t* blocks,
                                        std::size_t n_blocks) {
  Streams<1> x;
  load_state(state, x.abef[0], x.cdgh[0]);
  for (std::size_t i = 0; i < n_blocks; ++i, blocks += 64) {
    const __m128i abef = x.abef[0], cdgh = x.cdgh[0];
    sixty_four_rounds<1>(x, blocks, 64);
    x.abef[0] = _mm_add_epi32(x.abef[0], abef);
    x.cdgh[0] = _mm_add_epi32(x.cdgh[0], cdgh);
  }
  store_state(x.abef[0], x.cdgh[0], state);
}

ZKINFER_SHA_TARGET void compress_messages(const std::uint8_t* blocks, std::size_t n_blocks,
                                          std::size_t n, std::uint8_t* digests) {
  if (n_blocks == 1) {
    all_messages_from_iv<true>(blocks, 1, n, digests);
  } else {
    all_messages_from_iv<false>(blocks, n_blocks, n, digests);
  }
}

}  // namespace

// Plain (untargeted) entry points: a target attribute on a declaration seen
// without it elsewhere would make GCC treat the two as function versions.
void sha256_compress_shani(std::uint32_t state[8], const std::uint8_t* blocks,
                           std::size_t n_blocks) {
  compress_blocks(state, blocks, n_blocks);
}

void compress_from_iv_shani(const std::uint8_t* blocks, std::size_t blocks_per_message,
                            std::size_t n_messages, std::uint8_t* digests) {
  compress_messages(blocks, blocks_per_message, n_messages, digests);
}

}  // namespace zkinfer::hash
