// SPDX-License-Identifier: Apache-2.0
#include "base/hex.hpp"

#include "base/error.hpp"

namespace zkinfer {

std::string hex_encode(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

Bytes hex_decode(std::string_view text, std::string_view what) {
  if (text.size() % 2 != 0)
    fail(std::string(what) + ": hex string of odd length " + std::to_string(text.size()));
  auto nibble = [&](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    fail(std::string(what) + ": not lowercase hex (character '" + c + "')");
  };
  Bytes out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]));
  return out;
}

}  // namespace zkinfer
