// SPDX-License-Identifier: Apache-2.0
#include "cli/selfcheck.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "base/cpu_features.hpp"
#include "field/extension.hpp"
#include "field/goldilocks_vec.hpp"

namespace zkinfer::cli {
namespace {

using field::Goldilocks;
using field::GoldilocksExt2;

struct Check {
  const char* name;
  std::function<bool()> run;
};

bool field_arithmetic() {
  const Goldilocks minus_one = -Goldilocks::one();
  const bool wraps = (minus_one + Goldilocks::one()).is_zero();
  const bool squares = (minus_one * minus_one) == Goldilocks::one();
  const bool root = Goldilocks::root_of_unity(32).value() == 1753635133440165772ULL &&
                    Goldilocks::root_of_unity(32).pow(1ULL << 31) == minus_one;
  const GoldilocksExt2 x(Goldilocks::from_u64(3), Goldilocks::from_u64(5));
  const bool ext_inverse = x * x.inverse() == GoldilocksExt2::one();
  return wraps && squares && root && ext_inverse;
}

bool packed_field_agrees_with_scalar() {
  std::vector<Goldilocks> a(1000), b(1000), want(1000), got(1000);
  Goldilocks x = Goldilocks::from_u64(0x123456789abcdefULL);
  for (std::size_t i = 0; i < a.size(); ++i) {
    x = x * x + Goldilocks::from_u64(i);
    a[i] = x;
    b[i] = -x.square();
  }
  field::vec::mul(Isa::kScalar, want, a, b);
  field::vec::mul(best_isa(), got, a, b);
  return got == want;
}

}  // namespace

int run_selfcheck() {
  const std::vector<Check> checks = {
      {"goldilocks and extension arithmetic", field_arithmetic},
      {"packed field kernels agree with scalar", packed_field_agrees_with_scalar},
  };
  std::printf("zkinfer self-check (kernels: %s, sha-ni: %s)\n", isa_name(best_isa()),
              cpu_has_sha_ni() ? "yes" : "no");
  int failed = 0;
  for (const Check& check : checks) {
    const auto start = std::chrono::steady_clock::now();
    const bool ok = check.run();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("  %-48s %s (%.1f ms)\n", check.name, ok ? "ok" : "FAILED", ms);
    failed += ok ? 0 : 1;
  }
  std::printf("self-check: %d of %zu checks failed\n", failed, checks.size());
  return failed;
}

}  // namespace zkinfer::cli
