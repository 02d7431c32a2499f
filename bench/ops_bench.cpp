// SPDX-License-Identifier: Apache-2.0
// The integer forward kernels on the shapes that dominate small models:
// Gemm (an MNIST-sized dense layer, batch 1 and 64, and a 1024^3 product) and
// Conv (LeNet's second layer, a VGG block on 32x32), int8 weights and uint8
// activations, with 1 and 2 OpenMP threads (the second argument). The
// "GMAC/s" counter is multiply-accumulates per second of wall-clock time
// (CPU time would count only the main thread).
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <vector>

#include "ops/conv.hpp"
#include "ops/gemm.hpp"

namespace {

namespace ops = zkinfer::ops;

ops::IntTensor filled(ops::Shape shape, std::uint64_t seed, std::int32_t lo, std::int32_t hi) {
  ops::IntTensor t = ops::IntTensor::zeros(std::move(shape));
  std::uint64_t x = seed;
  for (auto& v : t.values) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    v = lo + static_cast<std::int32_t>((x >> 33) % static_cast<std::uint64_t>(hi - lo + 1));
  }
  return t;
}

ops::MacQuant quant() {
  ops::MacQuant q;
  q.input_zero_point = 128;
  q.rescale = ops::Rescale::per_tensor(1.0 / 4096, ops::QuantParams::uint8(1.0, 0), true);
  return q;
}

void set_rate(benchmark::State& state, double macs) {
  state.counters["GMAC/s"] = benchmark::Counter(
      macs * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

// Args: M, K, N, threads.
void BM_Gemm(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(0));
  const auto k = static_cast<std::size_t>(state.range(1));
  const auto n = static_cast<std::size_t>(state.range(2));
  omp_set_num_threads(static_cast<int>(state.range(3)));
  const ops::IntTensor a = filled({m, k}, 1, 0, 255);
  const ops::IntTensor w = filled({n, k}, 2, -128, 127);
  const std::vector<std::int32_t> bias(n, 1000);
  const ops::MacQuant q = quant();
  for (auto _ : state) benchmark::DoNotOptimize(ops::gemm(a, w, bias, q));
  set_rate(state, static_cast<double>(m * k * n));
}
BENCHMARK(BM_Gemm)
    ->ArgNames({"M", "K", "N", "threads"})
    ->Args({1, 784, 128, 1})
    ->Args({64, 784, 128, 1})
    ->Args({64, 784, 128, 2})
    ->Args({1024, 1024, 1024, 1})
    ->Args({1024, 1024, 1024, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Args: C, H (= W), M, kernel, pad, threads.
void BM_Conv(benchmark::State& state) {
  const auto c = static_cast<std::size_t>(state.range(0));
  const auto h = static_cast<std::size_t>(state.range(1));
  const auto m = static_cast<std::size_t>(state.range(2));
  const auto k = static_cast<std::size_t>(state.range(3));
  const auto pad = static_cast<std::size_t>(state.range(4));
  omp_set_num_threads(static_cast<int>(state.range(5)));
  const ops::IntTensor x = filled({1, c, h, h}, 3, 0, 255);
  const ops::IntTensor w = filled({m, c, k, k}, 4, -128, 127);
  ops::ConvParams p;
  p.pads = {pad, pad, pad, pad};
  p.quant = quant();
  const ops::Shape y = p.output_shape(x.shape, w.shape);
  for (auto _ : state) benchmark::DoNotOptimize(ops::conv(x, w, {}, p));
  set_rate(state, static_cast<double>(y[1] * y[2] * y[3] * c * k * k));
}
BENCHMARK(BM_Conv)
    ->ArgNames({"C", "H", "M", "k", "pad", "threads"})
    ->Args({6, 14, 16, 5, 0, 1})  // LeNet conv2
    ->Args({6, 14, 16, 5, 0, 2})
    ->Args({64, 32, 64, 3, 1, 1})  // VGG block, 32x32
    ->Args({64, 32, 64, 3, 1, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
