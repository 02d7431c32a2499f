// SPDX-License-Identifier: Apache-2.0
#include "model/npy.hpp"

#include <unistd.h>

#include <bit>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "model/onnx_import.hpp"

namespace zkinfer::model {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr std::size_t kAlignment = 64;

enum class NpyType : std::uint8_t { kFloat32, kUInt8, kInt64 };

struct Header {
  NpyType type;
  Shape shape;
  std::size_t data_offset;
};

std::size_t item_size(NpyType t) {
  return t == NpyType::kUInt8 ? 1 : t == NpyType::kFloat32 ? 4 : 8;
}

// Parser for the Python dict literal of the header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  Header parse() {
    std::optional<std::string> descr;
    std::optional<bool> fortran;
    std::optional<Shape> shape;
    expect('{');
    while (!peek('}')) {
      const std::string key = quoted();
      expect(':');
      if (key == "descr")
        descr = quoted();
      else if (key == "fortran_order")
        fortran = boolean();
      else if (key == "shape")
        shape = tuple();
      else
        fail("npy header: unknown key '" + key + "'");
      if (!peek('}')) expect(',');
    }
    expect('}');
    skip_space();
    if (pos_ != text_.size()) fail("npy header: trailing characters after the dict");
    if (!descr || !fortran || !shape) fail("npy header: missing descr, fortran_order or shape");
    if (*fortran) fail("npy: Fortran-order arrays are unsupported (save C order)");
    Header h{type_of(*descr), std::move(*shape), 0};
    return h;
  }

 private:
  static NpyType type_of(const std::string& descr) {
    if (descr == "<f4") return NpyType::kFloat32;
    if (descr == "|u1" || descr == "u1" || descr == "<u1") return NpyType::kUInt8;
    if (descr == "<i8") return NpyType::kInt64;
    if (!descr.empty() && descr[0] == '>')
      fail("npy: big-endian dtype '" + descr + "' unsupported");
    fail("npy: dtype '" + descr + "' unsupported (float32 '<f4', uint8 '|u1', int64 '<i8')");
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) fail(std::string("npy header: expected '") + c + "'");
    ++pos_;
  }
  std::string quoted() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      fail("npy header: expected a quoted string");
    const char quote = text_[pos_++];
    const std::size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) fail("npy header: unterminated string");
    std::string out(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      const std::string_view w(word);
      if (text_.substr(pos_, w.size()) == w) {
        pos_ += w.size();
        return value;
      }
    }
    fail("npy header: expected True or False");
  }
  Shape tuple() {
    Shape out;
    expect('(');
    while (!peek(')')) {
      std::int64_t v = 0;
      bool digits = false;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (v > (std::int64_t{1} << 48)) fail("npy header: dimension too large");
        v = v * 10 + (text_[pos_++] - '0');
        digits = true;
      }
      if (!digits) fail("npy header: expected a dimension");
      out.push_back(v);
      if (!peek(')')) expect(',');
    }
    expect(')');
    return out;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

Header parse_header(ByteSpan bytes) {
  if (bytes.size() < kMagicSize + 4 ||
      std::string_view(reinterpret_cast<const char*>(bytes.data()), kMagicSize) !=
          std::string_view(kMagic, kMagicSize))
    fail("not an .npy file (bad magic)");
  const std::uint8_t major = bytes[6];
  const std::uint8_t minor = bytes[7];
  std::size_t header_len = 0;
  std::size_t offset = 0;
  if (major == 1 && minor == 0) {
    header_len = bytes[8] | (std::size_t{bytes[9]} << 8);
    offset = 10;
  } else if (major == 2 && minor == 0) {
    if (bytes.size() < 12) fail("npy: truncated header");
    header_len = bytes[8] | (std::size_t{bytes[9]} << 8) | (std::size_t{bytes[10]} << 16) |
                 (std::size_t{bytes[11]} << 24);
    offset = 12;
  } else {
    fail("npy: format version " + std::to_string(major) + "." + std::to_string(minor) +
         " unsupported (1.0 and 2.0)");
  }
  if (header_len > bytes.size() - offset) fail("npy: truncated header");
  Header h = HeaderParser(
                 std::string_view(reinterpret_cast<const char*>(bytes.data()) + offset, header_len))
                 .parse();
  h.data_offset = offset + header_len;
  const std::int64_t count = element_count(h.shape);
  const std::size_t data_bytes = bytes.size() - h.data_offset;
  if (static_cast<std::uint64_t>(count) > data_bytes / item_size(h.type) ||
      static_cast<std::size_t>(count) * item_size(h.type) != data_bytes)
    fail("npy: shape " + shape_to_string(h.shape) + " needs " + std::to_string(count) +
         " elements of " + std::to_string(item_size(h.type)) + " bytes, file holds " +
         std::to_string(data_bytes) + " data bytes");
  return h;
}

std::uint64_t load_le(const std::uint8_t* p, std::size_t size) {
  std::uint64_t v = 0;
  for (std::size_t b = 0; b < size; ++b) v |= std::uint64_t{p[b]} << (8 * b);
  return v;
}

const char* descr_of(NpyType t) {
  return t == NpyType::kFloat32 ? "<f4" : t == NpyType::kUInt8 ? "|u1" : "<i8";
}

Bytes encode(NpyType type, std::span<const std::int64_t> shape, std::size_t count,
             const auto& element_bits) {
  std::string dims;  // "3, 4", or "3," for one dimension (a Python tuple)
  for (std::size_t i = 0; i < shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) dims += ",";
  std::string header = std::string("{'descr': '") + descr_of(type) +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const bool v2 = header.size() + 11 + kAlignment > 65535;
  const std::size_t prefix = v2 ? 12 : 10;
  header.append(kAlignment - (prefix + header.size() + 1) % kAlignment, ' ');
  header += '\n';
  Bytes out(kMagic, kMagic + kMagicSize);
  out.push_back(v2 ? 2 : 1);
  out.push_back(0);
  for (std::size_t b = 0; b < (v2 ? 4u : 2u); ++b)
    out.push_back(static_cast<std::uint8_t>(header.size() >> (8 * b)));
  out.insert(out.end(), header.begin(), header.end());
  const std::size_t size = item_size(type);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t bits = element_bits(i);
    for (std::size_t b = 0; b < size; ++b)
      out.push_back(static_cast<std::uint8_t>(bits >> (8 * b)));
  }
  return out;
}

}  // namespace

Tensor parse_npy(ByteSpan bytes) {
  const Header h = parse_header(bytes);
  if (h.type == NpyType::kInt64) fail("npy: int64 array where float32 or uint8 is expected");
  Tensor t{h.type == NpyType::kFloat32 ? DType::kFloat32 : DType::kUInt8, h.shape, {}};
  const std::size_t count = static_cast<std::size_t>(element_count(h.shape));
  const std::size_t size = item_size(h.type);
  t.data.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t bits = load_le(bytes.data() + h.data_offset + i * size, size);
    t.data[i] = h.type == NpyType::kFloat32 ? std::bit_cast<float>(static_cast<std::uint32_t>(bits))
                                            : static_cast<float>(bits);
  }
  return t;
}

Int64Array parse_npy_int64(ByteSpan bytes) {
  const Header h = parse_header(bytes);
  if (h.type != NpyType::kInt64) fail("npy: expected an int64 ('<i8') array");
  Int64Array a{h.shape, {}};
  const std::size_t count = static_cast<std::size_t>(element_count(h.shape));
  a.data.resize(count);
  for (std::size_t i = 0; i < count; ++i)
    a.data[i] = static_cast<std::int64_t>(load_le(bytes.data() + h.data_offset + i * 8, 8));
  return a;
}

Bytes encode_npy(const Tensor& tensor) {
  if (tensor.dtype != DType::kFloat32 && tensor.dtype != DType::kUInt8)
    fail(std::string("npy: cannot write dtype ") + dtype_name(tensor.dtype));
  if (static_cast<std::int64_t>(tensor.data.size()) != element_count(tensor.shape))
    fail("npy: tensor data does not match its shape");
  if (tensor.dtype == DType::kFloat32)
    return encode(NpyType::kFloat32, tensor.shape, tensor.data.size(), [&tensor](std::size_t i) {
      return std::bit_cast<std::uint32_t>(tensor.data[i]);
    });
  for (float v : tensor.data)
    if (!(v >= 0 && v <= 255 && v == std::nearbyint(v)))
      fail("npy: uint8 tensor holds " + std::to_string(v));
  return encode(NpyType::kUInt8, tensor.shape, tensor.data.size(),
                [&tensor](std::size_t i) { return static_cast<std::uint64_t>(tensor.data[i]); });
}

Bytes encode_npy(const Int64Array& array) {
  if (static_cast<std::int64_t>(array.data.size()) != element_count(array.shape))
    fail("npy: array data does not match its shape");
  return encode(NpyType::kInt64, array.shape, array.data.size(),
                [&array](std::size_t i) { return static_cast<std::uint64_t>(array.data[i]); });
}

Tensor read_npy(const std::string& path) {
  const Bytes bytes = read_file_bytes(path, kMaxNpyBytes);
  try {
    return parse_npy(bytes);
  } catch (const Error& e) {
    fail(path + ": " + e.what());
  }
}

Int64Array read_npy_int64(const std::string& path) {
  const Bytes bytes = read_file_bytes(path, kMaxNpyBytes);
  try {
    return parse_npy_int64(bytes);
  } catch (const Error& e) {
    fail(path + ": " + e.what());
  }
}

void write_npy(const std::string& path, const Tensor& tensor) {
  write_file_atomic(path, encode_npy(tensor));
}

void write_npy(const std::string& path, const Int64Array& array) {
  write_file_atomic(path, encode_npy(array));
}

}  // namespace zkinfer::model
