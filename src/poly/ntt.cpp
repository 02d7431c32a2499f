// SPDX-License-Identifier: Apache-2.0
#include "poly/ntt.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <utility>

#include "base/big_array.hpp"
#include "base/error.hpp"
#include "field/packed_avx2.hpp"
#include "field/packed_avx512.hpp"

// Four-step (Bailey) transform, see docs/ntt.md. A size N = R * C input is an
// R x C row-major matrix. The column pass runs DIF NTTs of length R down
// 8-column blocks (one cache line per row), then multiplies by the twiddles
// w_N^(a*c) while writing each block out in natural frequency order. The row
// pass transposes 8 rows at a time so that each lane holds one row, runs DIF
// NTTs of length C, and writes each 8-lane result, already in its final
// position, as one cache line. Both passes therefore work on vertical 8-element
// rows with broadcast twiddles and never shuffle inside a butterfly; their
// radix-4 butterflies sweep L1-sized blocks. Each pass moves 4 adjacent
// blocks per memory row, so strided rows are touched 256 bytes at a time.

namespace zkinfer::poly {
namespace {

// One row: 8 elements, a 64-byte cache line, one AVX-512 or two AVX2 registers.
constexpr std::size_t kRow = 8;
constexpr unsigned kLogRow = 3;
// Sub-transforms have length at most sqrt(2^32) = 2^16, so one table of
// per-level twiddles covers every size.
constexpr unsigned kMaxSubLog = (Goldilocks::kTwoAdicity + 1) / 2;
// Both matrix sides must hold at least one row; smaller sizes go scalar.
constexpr unsigned kMinFourStepLog = 2 * kLogRow;
// Below this, forking threads costs more than it saves.
constexpr unsigned kParallelLog = 14;
// Butterfly blocks up to this many rows (16 KiB) fit L1 and finish there.
constexpr std::size_t kL1Rows = 256;
// 8-column (8-row) blocks that one column (row) pass step handles together.
constexpr std::size_t kBatch = 4;

// ---- Row policies: the only ISA-specific code. ------------------------------
// Each operation acts on whole rows through pointers, so the generic kernels
// below never hold a vector type: they get the ISA's instructions by being
// inlined (flatten) into an entry point that carries its target attribute.
//
// butterfly4 is two radix-2 DIF levels on rows x0..x3 (quarter-width apart)
// with twiddles w^i, w^2i, w^3i. Its inner rotation by the 4th root of unity
// w4 = 2^48 is a shift, not a multiplication; `inverse` uses w4^-1 = -2^48.

static_assert(Goldilocks::root_of_unity(2) == Goldilocks::from_u64(std::uint64_t{1} << 48));

struct ScalarRows {
  static Goldilocks times_2_48(Goldilocks x) {
    return Goldilocks::reduce_wide(static_cast<field::u128>(x.value()) << 48);
  }
  template <bool kTwiddled>
  static void butterfly4(Goldilocks* x0, Goldilocks* x1, Goldilocks* x2, Goldilocks* x3,
                         const Goldilocks* w, bool inverse) {
    for (std::size_t e = 0; e < kRow; ++e) {
      const Goldilocks s02 = x0[e] + x2[e], d02 = x0[e] - x2[e];
      const Goldilocks s13 = x1[e] + x3[e], r13 = times_2_48(x1[e] - x3[e]);
      x0[e] = s02 + s13;
      x1[e] = s02 - s13;
      x2[e] = inverse ? d02 - r13 : d02 + r13;
      x3[e] = inverse ? d02 + r13 : d02 - r13;
      if constexpr (kTwiddled) {
        x1[e] *= w[1];
        x2[e] *= w[0];
        x3[e] *= w[2];
      }
    }
  }
  static void butterfly_unit(Goldilocks* a, Goldilocks* b) {
    for (std::size_t e = 0; e < kRow; ++e) {
      const Goldilocks x = a[e], y = b[e];
      a[e] = x + y;
      b[e] = x - y;
    }
  }
  static void mul(Goldilocks* out, const Goldilocks* x, const Goldilocks* y) {
    for (std::size_t e = 0; e < kRow; ++e) out[e] = x[e] * y[e];
  }
  static void scale(Goldilocks* out, const Goldilocks* x, Goldilocks w) {
    for (std::size_t e = 0; e < kRow; ++e) out[e] = x[e] * w;
  }
  // out[c * kRow + r] = in[r * stride + c] for an 8 x 8 tile.
  static void transpose(Goldilocks* out, const Goldilocks* in, std::size_t stride) {
    for (std::size_t r = 0; r < kRow; ++r) {
      for (std::size_t c = 0; c < kRow; ++c) out[c * kRow + r] = in[r * stride + c];
    }
  }
};

struct Avx2Rows {
  static constexpr std::size_t kHalf = field::avx2::kLanes;
  template <bool kTwiddled>
  ZK_TARGET_AVX2 static void butterfly4(Goldilocks* x0, Goldilocks* x1, Goldilocks* x2,
                                        Goldilocks* x3, const Goldilocks* w, bool inverse) {
    namespace v = field::avx2;
    for (std::size_t e = 0; e < kRow; e += kHalf) {
      const __m256i a0 = v::load(x0 + e), a1 = v::load(x1 + e);
      const __m256i a2 = v::load(x2 + e), a3 = v::load(x3 + e);
      const __m256i s02 = v::add(a0, a2), d02 = v::sub(a0, a2), s13 = v::add(a1, a3);
      const __m256i d13 = v::sub(a1, a3);
      const __m256i r13 = v::reduce128(_mm256_slli_epi64(d13, 48), _mm256_srli_epi64(d13, 16));
      __m256i y1 = v::sub(s02, s13), y2 = v::add(d02, r13), y3 = v::sub(d02, r13);
      if (inverse) std::swap(y2, y3);
      if constexpr (kTwiddled) {
        y1 = v::mul(y1, v::broadcast(w[1]));
        y2 = v::mul(y2, v::broadcast(w[0]));
        y3 = v::mul(y3, v::broadcast(w[2]));
      }
      v::store(x0 + e, v::add(s02, s13));
      v::store(x1 + e, y1);
      v::store(x2 + e, y2);
      v::store(x3 + e, y3);
    }
  }
  ZK_TARGET_AVX2 static void butterfly_unit(Goldilocks* a, Goldilocks* b) {
    namespace v = field::avx2;
    for (std::size_t e = 0; e < kRow; e += kHalf) {
      const __m256i x = v::load(a + e), y = v::load(b + e);
      v::store(a + e, v::add(x, y));
      v::store(b + e, v::sub(x, y));
    }
  }
  ZK_TARGET_AVX2 static void mul(Goldilocks* out, const Goldilocks* x, const Goldilocks* y) {
    namespace v = field::avx2;
    for (std::size_t e = 0; e < kRow; e += kHalf) {
      v::store(out + e, v::mul(v::load(x + e), v::load(y + e)));
    }
  }
  ZK_TARGET_AVX2 static void scale(Goldilocks* out, const Goldilocks* x, Goldilocks w) {
    namespace v = field::avx2;
    const __m256i t = v::broadcast(w);
    for (std::size_t e = 0; e < kRow; e += kHalf) v::store(out + e, v::mul(v::load(x + e), t));
  }
  // The 8 x 8 tile as four 4 x 4 tiles.
  ZK_TARGET_AVX2 static void transpose(Goldilocks* out, const Goldilocks* in, std::size_t stride) {
    namespace v = field::avx2;
    for (std::size_t r = 0; r < kRow; r += kHalf) {
      for (std::size_t c = 0; c < kRow; c += kHalf) {
        const Goldilocks* tile = in + r * stride + c;
        const __m256i r0 = v::load(tile), r1 = v::load(tile + stride);
        const __m256i r2 = v::load(tile + 2 * stride), r3 = v::load(tile + 3 * stride);
        const __m256i t0 = _mm256_unpacklo_epi64(r0, r1), t1 = _mm256_unpackhi_epi64(r0, r1);
        const __m256i t2 = _mm256_unpacklo_epi64(r2, r3), t3 = _mm256_unpackhi_epi64(r2, r3);
        Goldilocks* o = out + c * kRow + r;
        v::store(o, _mm256_permute2x128_si256(t0, t2, 0x20));
        v::store(o + kRow, _mm256_permute2x128_si256(t1, t3, 0x20));
        v::store(o + 2 * kRow, _mm256_permute2x128_si256(t0, t2, 0x31));
        v::store(o + 3 * kRow, _mm256_permute2x128_si256(t1, t3, 0x31));
      }
    }
  }
};

struct Avx512Rows {
  template <bool kTwiddled>
  ZK_TARGET_AVX512 static void butterfly4(Goldilocks* x0, Goldilocks* x1, Goldilocks* x2,
                                          Goldilocks* x3, const Goldilocks* w, bool inverse) {
    namespace v = field::avx512;
    const __m512i a0 = v::load(x0), a1 = v::load(x1), a2 = v::load(x2), a3 = v::load(x3);
    const __m512i s02 = v::add(a0, a2), d02 = v::sub(a0, a2), s13 = v::add(a1, a3);
    const __m512i d13 = v::sub(a1, a3);
    // d13 * 2^48 as a 128-bit value. (The zero-masking shifts compile to plain
    // ones; the unmasked intrinsics trip GCC 12's -Wmaybe-uninitialized here.)
    const __m512i r13 = v::reduce128(_mm512_maskz_slli_epi64(0xFF, d13, 48),
                                     _mm512_maskz_srli_epi64(0xFF, d13, 16));
    __m512i y1 = v::sub(s02, s13), y2 = v::add(d02, r13), y3 = v::sub(d02, r13);
    if (inverse) std::swap(y2, y3);
    if constexpr (kTwiddled) {
      y1 = v::mul(y1, v::broadcast(w[1]));
      y2 = v::mul(y2, v::broadcast(w[0]));
      y3 = v::mul(y3, v::broadcast(w[2]));
    }
    v::store(x0, v::add(s02, s13));
    v::store(x1, y1);
    v::store(x2, y2);
    v::store(x3, y3);
  }
  ZK_TARGET_AVX512 static void butterfly_unit(Goldilocks* a, Goldilocks* b) {
    namespace v = field::avx512;
    const __m512i x = v::load(a), y = v::load(b);
    v::store(a, v::add(x, y));
    v::store(b, v::sub(x, y));
  }
  ZK_TARGET_AVX512 static void mul(Goldilocks* out, const Goldilocks* x, const Goldilocks* y) {
    namespace v = field::avx512;
    v::store(out, v::mul(v::load(x), v::load(y)));
  }
  ZK_TARGET_AVX512 static void scale(Goldilocks* out, const Goldilocks* x, Goldilocks w) {
    namespace v = field::avx512;
    v::store(out, v::mul(v::load(x), v::broadcast(w)));
  }
  ZK_TARGET_AVX512 static void transpose(Goldilocks* out, const Goldilocks* in,
                                         std::size_t stride) {
    namespace v = field::avx512;
    __m512i r[kRow];
    for (std::size_t i = 0; i < kRow; ++i) r[i] = v::load(in + i * stride);
    // Pairs of rows interleaved, then 128-bit pairs, then 256-bit halves.
    // (All permutex2var: GCC 12's unpack and shuffle_i64x2 headers trip
    // -Wuninitialized once inlined.)
    const __m512i lo64 = _mm512_setr_epi64(0, 8, 2, 10, 4, 12, 6, 14);
    const __m512i hi64 = _mm512_setr_epi64(1, 9, 3, 11, 5, 13, 7, 15);
    const __m512i lo128 = _mm512_setr_epi64(0, 1, 4, 5, 8, 9, 12, 13);
    const __m512i hi128 = _mm512_setr_epi64(2, 3, 6, 7, 10, 11, 14, 15);
    __m512i t[kRow];
    for (std::size_t i = 0; i < kRow; i += 2) {
      t[i] = _mm512_permutex2var_epi64(r[i], lo64, r[i + 1]);
      t[i + 1] = _mm512_permutex2var_epi64(r[i], hi64, r[i + 1]);
    }
    for (std::size_t i = 0; i < kRow; i += 4) {
      for (std::size_t j = 0; j < 2; ++j) {
        r[i + j] = _mm512_permutex2var_epi64(t[i + j], lo128, t[i + j + 2]);
        r[i + j + 2] = _mm512_permutex2var_epi64(t[i + j], hi128, t[i + j + 2]);
      }
    }
    // r[0..3] hold columns {0,4}, {1,5}, {2,6}, {3,7} of rows 0..3, r[4..7] of rows 4..7.
    for (std::size_t j = 0; j < 4; ++j) {
      v::store(out + j * kRow, _mm512_permutex2var_epi64(r[j], lo128, r[j + 4]));
      v::store(out + (j + 4) * kRow, _mm512_permutex2var_epi64(r[j], hi128, r[j + 4]));
    }
  }
};

// ---- Tables. -----------------------------------------------------------------

// Twiddles of one direction (powers of w, or of w^-1 for intt), laid out so
// that each DIF step reads them contiguously:
//   level[h + i]          = w_{2h}^i          radix-2 level of half-width h
//   radix4[3 (q + i) + k] = w_{4q}^((k+1) i)  radix-4 step of quarter-width q
struct Twiddles {
  std::vector<Goldilocks> level;
  std::vector<Goldilocks> radix4;
  bool inverse;
};

Twiddles build_twiddles(bool inverse) {
  const std::size_t size = std::size_t{1} << kMaxSubLog;
  Twiddles t{std::vector<Goldilocks>(size), std::vector<Goldilocks>(3 * size / 2), inverse};
  unsigned log_2h = 1;
  for (std::size_t h = 1; h < size; h *= 2, ++log_2h) {
    Goldilocks w = Goldilocks::root_of_unity(log_2h);
    if (inverse) w = w.inverse();
    Goldilocks x = Goldilocks::one();
    for (std::size_t i = 0; i < h; ++i, x *= w) t.level[h + i] = x;
  }
  for (std::size_t q = 1; 4 * q <= size; q *= 2) {
    for (std::size_t i = 0; i < q; ++i) {
      Goldilocks* w = &t.radix4[3 * (q + i)];
      w[0] = t.level[2 * q + i];
      w[1] = t.level[q + i];
      w[2] = w[0] * w[1];
    }
  }
  return t;
}

const Twiddles& twiddles(bool inverse) {
  if (inverse) {
    static const Twiddles table = build_twiddles(true);
    return table;
  }
  static const Twiddles table = build_twiddles(false);
  return table;
}

// The low `bits` bits of x in reverse order (1 <= bits <= 32).
constexpr std::size_t reverse_bits(std::size_t x, unsigned bits) {
  auto v = static_cast<std::uint32_t>(x);
  v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
  v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
  v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
  return __builtin_bswap32(v) >> (32 - bits);
}

// ---- Generic kernels over a row policy P. ------------------------------------

// One input matrix and where the two passes put their results.
struct Plan {
  const Goldilocks* src;  // rows [0, in_rows) of the R x C input; the rest is zero
  std::size_t in_rows;
  // R x C, written by the column pass and read by the row pass. Its rows are
  // padded by one cache line so that a column does not map to one cache set.
  Goldilocks* mid;
  std::size_t mid_stride;
  Goldilocks* dst;  // N outputs, natural order; may overlap src
  unsigned log_rows, log_cols;
  const Twiddles* twiddles;
  Goldilocks omega;  // primitive N-th root (its inverse for intt)
  // Input j is multiplied by factor * shift^j (coset shift, 1/n of intt).
  Goldilocks factor, shift;
};

// Multiplies consecutive rows by start * ratio^i, i = 0, 1, ... (element-wise).
// Four interleaved chains of powers keep the multiplier busy instead of
// waiting on each product in turn.
template <class P>
class Powers {
 public:
  using Row = std::array<Goldilocks, kRow>;
  void init(const Row& start, const Row& ratio) {
    Row step = ratio;
    std::copy(start.begin(), start.end(), term_[0]);
    for (std::size_t k = 1; k < kChains; ++k) P::mul(term_[k], term_[k - 1], ratio.data());
    for (std::size_t k = 1; k < kChains; ++k) P::mul(step.data(), step.data(), ratio.data());
    std::copy(step.begin(), step.end(), step_);
  }
  // out = in * start * ratio^i; calls must come with i = 0, 1, 2, ... in order.
  void apply(std::size_t i, Goldilocks* out, const Goldilocks* in) {
    Goldilocks* term = term_[i % kChains];
    P::mul(out, in, term);
    P::mul(term, term, step_);
  }

 private:
  static constexpr std::size_t kChains = 4;
  alignas(64) Goldilocks term_[kChains][kRow];
  alignas(64) Goldilocks step_[kRow];
};

// One radix-4 step (two DIF levels) of quarter-width q over `rows` rows.
template <class P>
void radix4_step(Goldilocks* s, std::size_t rows, std::size_t q, const Twiddles& t) {
  const Goldilocks* w = t.radix4.data() + 3 * q;
  const std::size_t d = q * kRow;
  for (std::size_t block = 0; block < rows; block += 4 * q) {
    Goldilocks* x = s + block * kRow;
    P::template butterfly4<false>(x, x + d, x + 2 * d, x + 3 * d, w, t.inverse);
    for (std::size_t i = 1; i < q; ++i) {
      Goldilocks* y = x + i * kRow;
      P::template butterfly4<true>(y, y + d, y + 2 * d, y + 3 * d, w + 3 * i, t.inverse);
    }
  }
}

// Radix-4 steps on butterfly blocks of `block` rows, then block / 4, ..., while
// blocks exceed `stop` rows; returns the block size reached.
template <class P>
std::size_t radix4_steps(Goldilocks* s, std::size_t rows, std::size_t block, std::size_t stop,
                         const Twiddles& t) {
  for (; block >= 4 && block > stop; block /= 4) radix4_step<P>(s, rows, block / 4, t);
  return block;
}

// In-place DIF NTT down 2^log_rows rows (natural in, bit-reversed out), of
// which only the first `nonzero` (a power of two) are read: the others are
// taken as zero, and levels whose lower half is all zero reduce to b = a * w.
template <class P>
void dif(Goldilocks* s, unsigned log_rows, std::size_t nonzero, const Twiddles& t) {
  const std::size_t rows = std::size_t{1} << log_rows;
  std::size_t h = rows / 2;
  for (; h >= nonzero && h > 0; h /= 2) {
    for (std::size_t block = 0; block < rows; block += 2 * h) {
      for (std::size_t i = 0; i < nonzero; ++i) {
        P::scale(s + (block + h + i) * kRow, s + (block + i) * kRow, t.level[h + i]);
      }
    }
  }
  if (h == 0) return;
  // Steps whose blocks exceed L1 sweep the whole matrix; then each block
  // finishes inside L1.
  const std::size_t block = radix4_steps<P>(s, rows, 2 * h, kL1Rows, t);
  for (std::size_t first = 0; first < rows; first += block) {
    Goldilocks* sub = s + first * kRow;
    if (radix4_steps<P>(sub, block, block, 1, t) == 2) {
      for (std::size_t r = 0; r < block; r += 2) {
        P::butterfly_unit(sub + r * kRow, sub + (r + 1) * kRow);
      }
    }
  }
}

// Column pass over columns [c0, c0 + 8 * batch): every input and output row
// is touched `batch` cache lines at a time, while each 8-column block is
// transformed in its own R x 8 scratch matrix.
template <class P>
void column_pass(const Plan& p, std::size_t c0, std::size_t batch, Goldilocks* s) {
  const std::size_t rows = std::size_t{1} << p.log_rows, cols = std::size_t{1} << p.log_cols;
  const std::size_t area = rows * kRow;
  const Goldilocks* in = p.src + c0;
  using Row = typename Powers<P>::Row;
  std::array<Powers<P>, kBatch> powers;
  Row start, ratio;
  if (p.shift != Goldilocks::one()) {
    Goldilocks x = p.factor * p.shift.pow(c0);
    ratio.fill(p.shift.pow(cols));
    for (std::size_t g = 0; g < batch; ++g) {
      for (std::size_t e = 0; e < kRow; ++e, x *= p.shift) start[e] = x;
      powers[g].init(start, ratio);
    }
    for (std::size_t r = 0; r < p.in_rows; ++r) {
      for (std::size_t g = 0; g < batch; ++g) {
        powers[g].apply(r, s + g * area + r * kRow, in + r * cols + g * kRow);
      }
    }
  } else if (p.factor != Goldilocks::one()) {
    for (std::size_t r = 0; r < p.in_rows; ++r) {
      for (std::size_t g = 0; g < batch; ++g) {
        P::scale(s + g * area + r * kRow, in + r * cols + g * kRow, p.factor);
      }
    }
  } else {
    for (std::size_t r = 0; r < p.in_rows; ++r) {
      for (std::size_t g = 0; g < batch; ++g) {
        std::copy_n(in + r * cols + g * kRow, kRow, s + g * area + r * kRow);
      }
    }
  }
  for (std::size_t g = 0; g < batch; ++g) dif<P>(s + g * area, p.log_rows, p.in_rows, *p.twiddles);
  // Scratch row rev(a) holds frequency a of each column c, due w_N^(a*c).
  start.fill(Goldilocks::one());
  Goldilocks x = p.omega.pow(c0);
  for (std::size_t g = 0; g < batch; ++g) {
    for (std::size_t e = 0; e < kRow; ++e, x *= p.omega) ratio[e] = x;
    powers[g].init(start, ratio);
  }
  for (std::size_t a = 0; a < rows; ++a) {
    const Goldilocks* from = s + reverse_bits(a, p.log_rows) * kRow;
    Goldilocks* to = p.mid + a * p.mid_stride + c0;
    for (std::size_t g = 0; g < batch; ++g) powers[g].apply(a, to + g * kRow, from + g * area);
  }
}

// Row pass over rows [a0, a0 + 8 * batch) of `mid`: each group of 8 rows is
// transposed into a C x 8 scratch matrix (one row per lane) and transformed;
// every frequency then leaves as `batch` adjacent cache lines of the output.
template <class P>
void row_pass(const Plan& p, std::size_t a0, std::size_t batch, Goldilocks* s) {
  const std::size_t rows = std::size_t{1} << p.log_rows, cols = std::size_t{1} << p.log_cols;
  const std::size_t area = cols * kRow;
  for (std::size_t g = 0; g < batch; ++g) {
    const Goldilocks* in = p.mid + (a0 + g * kRow) * p.mid_stride;
    Goldilocks* sg = s + g * area;
    for (std::size_t c = 0; c < cols; c += kRow) P::transpose(sg + c * kRow, in + c, p.mid_stride);
    dif<P>(sg, p.log_cols, cols, *p.twiddles);
  }
  // Scratch row q holds frequency b = rev(q) of rows a: outputs a + R*b.
  for (std::size_t q = 0; q < cols; ++q) {
    Goldilocks* out = p.dst + a0 + rows * reverse_bits(q, p.log_cols);
    for (std::size_t g = 0; g < batch; ++g) {
      std::copy_n(s + g * area + q * kRow, kRow, out + g * kRow);
    }
  }
}

using PassKernel = void (*)(const Plan&, std::size_t, std::size_t, Goldilocks*);
struct Kernels {
  PassKernel column;
  PassKernel row;
};

[[gnu::flatten]] void column_scalar(const Plan& p, std::size_t first, std::size_t batch,
                                    Goldilocks* s) {
  column_pass<ScalarRows>(p, first, batch, s);
}
[[gnu::flatten]] void row_scalar(const Plan& p, std::size_t first, std::size_t batch,
                                 Goldilocks* s) {
  row_pass<ScalarRows>(p, first, batch, s);
}
[[gnu::flatten]] ZK_TARGET_AVX2 void column_avx2(const Plan& p, std::size_t first,
                                                 std::size_t batch, Goldilocks* s) {
  column_pass<Avx2Rows>(p, first, batch, s);
}
[[gnu::flatten]] ZK_TARGET_AVX2 void row_avx2(const Plan& p, std::size_t first, std::size_t batch,
                                              Goldilocks* s) {
  row_pass<Avx2Rows>(p, first, batch, s);
}
[[gnu::flatten]] ZK_TARGET_AVX512 void column_avx512(const Plan& p, std::size_t first,
                                                     std::size_t batch, Goldilocks* s) {
  column_pass<Avx512Rows>(p, first, batch, s);
}
[[gnu::flatten]] ZK_TARGET_AVX512 void row_avx512(const Plan& p, std::size_t first,
                                                  std::size_t batch, Goldilocks* s) {
  row_pass<Avx512Rows>(p, first, batch, s);
}

Kernels kernels_for(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      require(cpu_has_avx512(), "ntt: this CPU has no AVX-512");
      return {column_avx512, row_avx512};
    case Isa::kAvx2:
      require(cpu_has_avx2(), "ntt: this CPU has no AVX2");
      return {column_avx2, row_avx2};
    case Isa::kScalar:
      break;
  }
  return {column_scalar, row_scalar};
}

// ---- Driver. -----------------------------------------------------------------

// A zero-filled vector of `size` elements, its pages faulted in as huge pages.
std::vector<Goldilocks> fresh_vector(std::size_t size) {
  std::vector<Goldilocks> v;
  v.reserve(size);
  prefer_huge_pages(v.data(), size * sizeof(Goldilocks));
  v.resize(size);
  return v;
}

// The first cache-line boundary in v (which has kRow spare elements), so that
// every 8-element row of the work matrices is one whole cache line.
Goldilocks* line_aligned(std::vector<Goldilocks>& v) {
  const auto misalignment =
      reinterpret_cast<std::uintptr_t>(v.data()) % (kRow * sizeof(Goldilocks));
  return v.data() + (misalignment == 0 ? 0 : kRow - misalignment / sizeof(Goldilocks));
}

// Scratch memory kept by each calling thread across calls, so repeated
// transforms fault its pages in only once. Requests above kRetainedElements
// use `oversized`, freed by the caller.
Goldilocks* workspace(std::size_t size, std::vector<Goldilocks>& oversized) {
  constexpr std::size_t kRetainedElements = std::size_t{1} << 23;  // 64 MiB
  if (size > kRetainedElements) {
    oversized = fresh_vector(size + kRow);
    return line_aligned(oversized);
  }
  thread_local std::vector<Goldilocks> retained;
  if (retained.size() < size + kRow) {
    retained = std::vector<Goldilocks>();
    retained = fresh_vector(size + kRow);
  }
  return line_aligned(retained);
}

// Sizes below one 8 x 8 tile: textbook DIF with a final bit-reversal.
void small_transform(const Goldilocks* src, std::size_t n_in, Goldilocks* dst, unsigned log_n,
                     const Twiddles& t, Goldilocks factor, Goldilocks shift) {
  const std::size_t n = std::size_t{1} << log_n;
  std::array<Goldilocks, std::size_t{1} << kMinFourStepLog> a{};
  Goldilocks m = factor;
  for (std::size_t j = 0; j < n_in; ++j, m *= shift) a[j] = src[j] * m;
  for (std::size_t h = n / 2; h > 0; h /= 2) {
    for (std::size_t block = 0; block < n; block += 2 * h) {
      for (std::size_t i = 0; i < h; ++i) {
        const Goldilocks x = a[block + i], y = a[block + i + h];
        a[block + i] = x + y;
        a[block + i + h] = (x - y) * t.level[h + i];
      }
    }
  }
  for (std::size_t k = 0; k < n; ++k) dst[k] = a[reverse_bits(k, log_n)];
}

// dst[k] = sum_j factor * shift^j * src[j] * w^(jk) over the 2^log_n-th roots
// (w inverted when `inverse`), src zero beyond n_in (a power of two <= 2^log_n).
// src is read completely before dst is written, so the two may overlap.
void transform(Isa isa, const Goldilocks* src, std::size_t n_in, Goldilocks* dst, unsigned log_n,
               bool inverse, Goldilocks factor, Goldilocks shift) {
  const Kernels kernels = kernels_for(isa);
  const Twiddles& tw = twiddles(inverse);
  if (log_n == 0) {
    dst[0] = src[0] * factor;
    return;
  }
  if (log_n < kMinFourStepLog) return small_transform(src, n_in, dst, log_n, tw, factor, shift);

  Plan p;
  p.log_cols = log_n / 2;
  p.log_rows = log_n - p.log_cols;
  const std::size_t rows = std::size_t{1} << p.log_rows, cols = std::size_t{1} << p.log_cols;
  // A message shorter than one matrix row is padded to one.
  std::vector<Goldilocks> padded;
  if (n_in < cols) {
    padded.assign(cols, Goldilocks::zero());
    std::copy_n(src, n_in, padded.begin());
    src = padded.data();
    n_in = cols;
  }
  const int threads = log_n >= kParallelLog ? omp_get_max_threads() : 1;
  const bool parallel = threads > 1;
  p.mid_stride = cols + kRow;
  const std::size_t mid_size = rows * p.mid_stride;
  const std::size_t scratch_size = kBatch * std::max(rows, cols) * kRow;
  std::vector<Goldilocks> oversized;
  Goldilocks* work =
      workspace(mid_size + scratch_size * static_cast<std::size_t>(threads), oversized);
  p.src = src;
  p.in_rows = n_in / cols;
  p.mid = work;
  p.dst = dst;
  p.twiddles = &tw;
  p.omega = Goldilocks::root_of_unity(log_n);
  if (inverse) p.omega = p.omega.inverse();
  p.factor = factor;
  p.shift = shift;

  const std::size_t col_batch = std::min(kBatch, cols / kRow);
  const std::size_t row_batch = std::min(kBatch, rows / kRow);
  if (!parallel) {
    // No parallel region at all: even a one-thread team costs microseconds,
    // more than a small transform.
    Goldilocks* s = work + mid_size;
    for (std::size_t c0 = 0; c0 < cols; c0 += col_batch * kRow) kernels.column(p, c0, col_batch, s);
    for (std::size_t a0 = 0; a0 < rows; a0 += row_batch * kRow) kernels.row(p, a0, row_batch, s);
    return;
  }
  // Each step is computed the same way whichever thread runs it, so the
  // result does not depend on the thread count.
#pragma omp parallel num_threads(threads)
  {
    Goldilocks* s = work + mid_size + scratch_size * static_cast<std::size_t>(omp_get_thread_num());
#pragma omp for schedule(static)
    for (std::size_t c0 = 0; c0 < cols; c0 += col_batch * kRow) {
      kernels.column(p, c0, col_batch, s);
    }
#pragma omp for schedule(static)
    for (std::size_t a0 = 0; a0 < rows; a0 += row_batch * kRow) {
      kernels.row(p, a0, row_batch, s);
    }
  }
}

unsigned log2_size(std::size_t n, const char* what) {
  if (!std::has_single_bit(n) || n > (std::size_t{1} << Goldilocks::kTwoAdicity)) {
    fail(std::string(what) + ": size " + std::to_string(n) + " is not a power of two in [1, 2^32]");
  }
  return static_cast<unsigned>(std::countr_zero(n));
}

}  // namespace

void ntt(std::span<Goldilocks> values, Isa isa) {
  const unsigned log_n = log2_size(values.size(), "ntt");
  transform(isa, values.data(), values.size(), values.data(), log_n, false, Goldilocks::one(),
            Goldilocks::one());
}

void intt(std::span<Goldilocks> values, Isa isa) {
  const unsigned log_n = log2_size(values.size(), "intt");
  const Goldilocks n_inv = Goldilocks::from_u64(values.size()).inverse();
  transform(isa, values.data(), values.size(), values.data(), log_n, true, n_inv,
            Goldilocks::one());
}

void coset_lde(std::span<const Goldilocks> coeffs, std::span<Goldilocks> codeword, Goldilocks shift,
               Isa isa) {
  const unsigned log_n = log2_size(coeffs.size(), "coset_lde message");
  const unsigned log_size = log2_size(codeword.size(), "coset_lde codeword");
  if (log_size < log_n) {
    fail("coset_lde: codeword of " + std::to_string(codeword.size()) +
         " symbols is shorter than the message of " + std::to_string(coeffs.size()));
  }
  transform(isa, coeffs.data(), coeffs.size(), codeword.data(), log_size, false, Goldilocks::one(),
            shift);
}

std::vector<Goldilocks> coset_lde(std::span<const Goldilocks> coeffs, unsigned log_blowup,
                                  Goldilocks shift, Isa isa) {
  const unsigned log_n = log2_size(coeffs.size(), "coset_lde message");
  if (log_blowup > Goldilocks::kTwoAdicity - log_n) {
    fail("coset_lde: codeword length 2^" + std::to_string(log_n) + " * 2^" +
         std::to_string(log_blowup) + " exceeds 2^32");
  }
  std::vector<Goldilocks> codeword = fresh_vector(std::size_t{1} << (log_n + log_blowup));
  coset_lde(coeffs, codeword, shift, isa);
  return codeword;
}

std::vector<Goldilocks> rs_encode_evals(std::span<const Goldilocks> evals, unsigned log_blowup,
                                        Goldilocks shift) {
  std::vector<Goldilocks> coeffs(evals.begin(), evals.end());
  intt(coeffs);
  return coset_lde(coeffs, log_blowup, shift);
}

}  // namespace zkinfer::poly
