// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.hpp"

namespace zkinfer::audit {

// Standard base64 (RFC 4648 section 4, with padding), as used by signed notes,
// checkpoints and receipts.
std::string base64_encode(ByteSpan data);

// Strict decoding: only the canonical encoding of some byte string is
// accepted (padding required, no whitespace, unused trailing bits zero), so
// every decoded value has exactly one textual form. `what` names the field in
// the error message.
Bytes base64_decode(std::string_view text, const char* what);

}  // namespace zkinfer::audit
