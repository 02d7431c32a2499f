// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>

namespace zkinfer {

// Fills `out` from the operating system's CSPRNG (getrandom(2)). Every secret
// the prover draws (salts, masks, blinding rows) comes from here, never from
// the Fiat-Shamir transcript. Aborts if the kernel cannot supply randomness:
// continuing with weak randomness would silently break zero knowledge.
void os_random_bytes(std::span<std::uint8_t> out);

// Eight bytes from the same CSPRNG, served from a per-thread block of
// getrandom output (wiped as it is handed out, discarded in a forked child).
std::uint64_t os_random_u64();

}  // namespace zkinfer
