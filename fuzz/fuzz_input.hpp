// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>

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

}  // namespace zkinfer::fuzzing
