// SPDX-License-Identifier: Apache-2.0
#include "base/cpu_features.hpp"

#include <cpuid.h>

#include <cstdlib>
#include <cstring>

namespace zkinfer {
namespace {

Isa isa_cap_from_env() {
  const char* cap = std::getenv("ZKINFER_ISA");
  if (cap == nullptr) return Isa::kAvx512;
  if (std::strcmp(cap, "scalar") == 0) return Isa::kScalar;
  if (std::strcmp(cap, "avx2") == 0) return Isa::kAvx2;
  return Isa::kAvx512;
}

}  // namespace

bool cpu_has_avx2() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
}

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl");
}

bool cpu_has_sha_ni() {
  // __builtin_cpu_supports has no "sha" key in GCC 12: read CPUID leaf 7 EBX bit 29.
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
  return ((ebx >> 29) & 1) != 0 && __builtin_cpu_supports("sse4.1");
}

bool cpu_supports(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return cpu_has_avx512();
    case Isa::kAvx2:
      return cpu_has_avx2();
    case Isa::kScalar:
      break;
  }
  return true;
}

Isa best_isa() {
  static const Isa chosen = [] {
    Isa cap = isa_cap_from_env();
    if (cap >= Isa::kAvx512 && cpu_has_avx512()) return Isa::kAvx512;
    if (cap >= Isa::kAvx2 && cpu_has_avx2()) return Isa::kAvx2;
    return Isa::kScalar;
  }();
  return chosen;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kScalar:
      break;
  }
  return "scalar";
}

}  // namespace zkinfer
