// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.hpp"

namespace zkinfer {

// Lowercase hex, two digits per byte: the one text form of digests, salts
// and commitments in JSON files, log entries and messages.
std::string hex_encode(ByteSpan bytes);

// Strict inverse of hex_encode: even length, lowercase digits only, so each
// byte string has exactly one accepted spelling. Error naming `what` otherwise.
Bytes hex_decode(std::string_view text, std::string_view what);

}  // namespace zkinfer
