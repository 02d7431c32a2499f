// SPDX-License-Identifier: Apache-2.0
#include "audit/base64.hpp"

#include <array>
#include <cstdint>

namespace zkinfer::audit {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return table;
}
constexpr auto kDecode = make_decode_table();

}  // namespace

std::string base64_encode(ByteSpan data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (rest == 2) v |= std::uint32_t{data[i + 1]} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Bytes base64_decode(std::string_view text, const char* what) {
  const auto bad = [&](const std::string& why) -> Error {
    return Error(std::string(what) + ": invalid base64 (" + why + ")");
  };
  if (text.size() % 4 != 0)
    throw bad("length " + std::to_string(text.size()) + " is not a multiple of 4");
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  Bytes out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      std::int8_t d = kDecode[static_cast<unsigned char>(c)];
      if (last && j >= 4 - padding) {
        d = 0;  // the '=' already counted in `padding`
      } else if (d < 0) {
        throw bad("character " + std::to_string(static_cast<unsigned char>(c)) + " at offset " +
                  std::to_string(i + j));
      }
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    if (last && padding == 2) {
      if ((v & 0xffff) != 0) throw bad("non-zero trailing bits");
      break;
    }
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    if (last && padding == 1) {
      if ((v & 0xff) != 0) throw bad("non-zero trailing bits");
      break;
    }
    out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

}  // namespace zkinfer::audit
