// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "base/bytes.hpp"

namespace zkinfer::fuzzing {

// Turns a fuzzer input into candidate proof bytes. An input whose first byte
// is odd is an XOR mask over the honest proof (so the fuzzer explores proofs
// that are almost valid and reach deep into verification); otherwise the
// rest of the input is the proof itself (parsing of arbitrary bytes).
inline Bytes candidate_proof(const std::uint8_t* data, std::size_t size, const Bytes& honest) {
  if (size == 0) return {};
  if ((data[0] & 1) == 0) return Bytes(data + 1, data + size);
  Bytes out = honest;
  for (std::size_t i = 1; i < size; ++i) out[(i - 1) % out.size()] ^= data[i];
  return out;
}

// The invariant every verification target checks. A Fixture holds the
// honest proof bytes (`honest`) and `verify(bytes)`, which parses and
// verifies and may throw zkinfer::Error on malformed input: no input may
// crash, and no proof other than the honest one may be accepted.
template <class Fixture>
int check_verifier(Fixture& fixture, const std::uint8_t* data, std::size_t size) {
  const Bytes candidate = candidate_proof(data, size, fixture.honest);
  if (candidate == fixture.honest) return 0;
  bool accepted = false;
  try {
    accepted = fixture.verify(candidate);
  } catch (const Error&) {
    accepted = false;
  }
  if (accepted) std::abort();
  return 0;
}

}  // namespace zkinfer::fuzzing
