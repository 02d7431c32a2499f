// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"

namespace zkinfer {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

// The N low bytes of v, little-endian: ByteWriter's encoding of one integer
// without a heap buffer, for hot paths that hash fixed-width fields.
template <std::size_t N>
constexpr std::array<std::uint8_t, N> le_bytes(std::uint64_t v) {
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

// Little-endian writer for canonical serialization.
class ByteWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u32(std::uint32_t v) { put_le(v, 4); }
  void u64(std::uint64_t v) { put_le(v, 8); }
  void raw(ByteSpan data) { out_.insert(out_.end(), data.begin(), data.end()); }
  // The opening of every zkinfer file format: a magic number, then its version.
  void header(std::uint32_t magic, std::uint32_t version) {
    u32(magic);
    u32(version);
  }
  // A u64 length, then the bytes.
  void blob(ByteSpan data) {
    u64(data.size());
    raw(data);
  }
  const Bytes& bytes() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  void put_le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  Bytes out_;
};

// Strict reader: every read checks the remaining length and throws Error
// naming what was being read, so truncated input is never a crash.
class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  std::uint8_t u8(const char* what) { return static_cast<std::uint8_t>(get_le(1, what)); }
  std::uint32_t u32(const char* what) { return static_cast<std::uint32_t>(get_le(4, what)); }
  std::uint64_t u64(const char* what) { return get_le(8, what); }
  ByteSpan raw(std::size_t n, const char* what) {
    need(n, what);
    ByteSpan out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  // Reads ByteWriter::header; Error "not a zkinfer <what> (bad magic)" or
  // "<what> version N unsupported (expected M)".
  void header(std::uint32_t magic, std::uint32_t version, const std::string& what) {
    if (u32("magic") != magic) fail("not a zkinfer " + what + " (bad magic)");
    const std::uint32_t found = u32("version");
    if (found != version)
      fail(what + " version " + std::to_string(found) + " unsupported (expected " +
           std::to_string(version) + ")");
  }
  // Reads ByteWriter::blob; its length must fit in what remains.
  ByteSpan blob(const char* what) {
    const std::uint64_t n = u64(what);
    if (n > remaining()) fail(std::string(what) + ": length exceeds the input");
    return raw(static_cast<std::size_t>(n), what);
  }
  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }
  void expect_end(const char* what) const {
    if (remaining() != 0)
      fail(std::string(what) + ": " + std::to_string(remaining()) + " trailing bytes");
  }

 private:
  void need(std::size_t n, const char* what) const {
    if (n > remaining()) fail(std::string("truncated input while reading ") + what);
  }
  std::uint64_t get_le(int n, const char* what) {
    need(static_cast<std::size_t>(n), what);
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += static_cast<std::size_t>(n);
    return v;
  }
  ByteSpan data_;
  std::size_t pos_ = 0;
};

}  // namespace zkinfer
