// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace zkinfer {

// Run-time CPU feature detection. Kernels with AVX2 / AVX-512 / SHA-NI paths
// choose among them with these, so one binary runs on any x86-64 machine.
// The environment variable ZKINFER_ISA=scalar|avx2|avx512 caps the choice
// (useful to measure or test the fallback on a machine that has everything).
bool cpu_has_avx2();
bool cpu_has_avx512();  // F + DQ + VL, what the Goldilocks kernels use
bool cpu_has_sha_ni();

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
// Whether this CPU can run kernels written for `isa` (scalar always can).
bool cpu_supports(Isa isa);
Isa best_isa();
const char* isa_name(Isa isa);

}  // namespace zkinfer
