// SPDX-License-Identifier: Apache-2.0
#include "model/npy.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "base/error.hpp"

namespace zkinfer::model {
namespace {

// A file as numpy.save writes it (format 1.0, header padded to 64 bytes).
Bytes npy_file(const std::string& dict, const Bytes& data, std::uint8_t major = 1) {
  std::string header = dict;
  const std::size_t prefix = major == 1 ? 10 : 12;
  header.append(64 - (prefix + header.size() + 1) % 64, ' ');
  header += '\n';
  Bytes out = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  for (std::size_t b = 0; b < (major == 1 ? 2u : 4u); ++b)
    out.push_back(static_cast<std::uint8_t>(header.size() >> (8 * b)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes floats_le(const std::vector<float>& v) {
  Bytes out(v.size() * 4);
  std::memcpy(out.data(), v.data(), out.size());  // the test host is little-endian (x86-64)
  return out;
}

std::string parse_error(const Bytes& bytes) {
  try {
    parse_npy(bytes);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "parsed";
  return {};
}

TEST(Npy, ReadsNumpyFiles) {
  const Tensor t = parse_npy(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                      floats_le({1, 2, 3, 4, 5, 6.5f})));
  EXPECT_EQ(t.dtype, DType::kFloat32);
  EXPECT_EQ(t.shape, (Shape{2, 3}));
  EXPECT_EQ(t.data, (std::vector<float>{1, 2, 3, 4, 5, 6.5f}));

  const Tensor u = parse_npy(
      npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }", {0, 7, 128, 255}, 2));
  EXPECT_EQ(u.dtype, DType::kUInt8);
  EXPECT_EQ(u.shape, (Shape{4}));
  EXPECT_EQ(u.data, (std::vector<float>{0, 7, 128, 255}));

  const Tensor scalar = parse_npy(
      npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", floats_le({3})));
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.data, (std::vector<float>{3}));

  Bytes labels(16, 0);
  labels[0] = 9;
  labels[8] = 0xff;  // -1 after sign extension of the 8 bytes below
  for (int i = 9; i < 16; ++i) labels[i] = 0xff;
  const Int64Array l = parse_npy_int64(
      npy_file("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", labels));
  EXPECT_EQ(l.data, (std::vector<std::int64_t>{9, -1}));
}

TEST(Npy, EncodesLikeNumpy) {
  const Tensor t{DType::kFloat32, {2, 3}, {1, 2, 3, 4, 5, 6.5f}};
  EXPECT_EQ(encode_npy(t), npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                    floats_le(t.data)));
  EXPECT_EQ(parse_npy(encode_npy(t)).data, t.data);
  const Tensor one{DType::kUInt8, {3}, {1, 2, 250}};
  EXPECT_EQ(parse_npy(encode_npy(one)).data, one.data);
  EXPECT_EQ(encode_npy(one).size() % 64, 3u);
  const Int64Array labels{{2, 2}, {0, -5, 1LL << 40, 3}};
  EXPECT_EQ(parse_npy_int64(encode_npy(labels)).data, labels.data);
  EXPECT_EQ(parse_npy_int64(encode_npy(labels)).shape, labels.shape);
  EXPECT_THROW(encode_npy(Tensor{DType::kUInt8, {1}, {256}}), Error);
}

TEST(Npy, RejectsWhatItDoesNotSupport) {
  const std::string f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const Bytes good = npy_file(f4, floats_le({1, 2}));
  EXPECT_NO_THROW(parse_npy(good));
  EXPECT_EQ(parse_error(Bytes{'P', 'K', 3, 4}), "not an .npy file (bad magic)");
  Bytes v3 = good;
  v3[6] = 3;
  EXPECT_EQ(parse_error(v3), "npy: format version 3.0 unsupported (1.0 and 2.0)");
  EXPECT_EQ(parse_error(npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
                                 floats_le({1, 2}))),
            "npy: Fortran-order arrays are unsupported (save C order)");
  EXPECT_EQ(parse_error(npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                                 floats_le({1, 2}))),
            "npy: big-endian dtype '>f4' unsupported");
  EXPECT_EQ(parse_error(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                                 floats_le({1, 2}))),
            "npy: dtype '<f8' unsupported (float32 '<f4', uint8 '|u1', int64 '<i8')");
  EXPECT_EQ(parse_error(npy_file(f4, floats_le({1, 2, 3}))),
            "npy: shape [2] needs 2 elements of 4 bytes, file holds 12 data bytes");
  EXPECT_EQ(parse_error(npy_file("{'descr': '<f4', 'shape': (2,), }", floats_le({1, 2}))),
            "npy header: missing descr, fortran_order or shape");
  EXPECT_EQ(parse_error(
                npy_file("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", Bytes(8, 0))),
            "npy: int64 array where float32 or uint8 is expected");
  EXPECT_THROW(parse_npy_int64(good), Error);
  for (std::size_t n = 0; n < good.size(); ++n)
    EXPECT_THROW(parse_npy(ByteSpan(good).first(n)), Error) << n << " bytes";
}

TEST(Npy, WritesFilesAtomically) {
  const auto dir = std::filesystem::temp_directory_path() / "zkinfer_npy_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "x.npy").string();
  const Tensor t{DType::kFloat32, {2, 2}, {1, -2, 3, 0.25f}};
  write_npy(path, t);
  EXPECT_EQ(read_npy(path).data, t.data);
  write_npy(path, Int64Array{{1}, {7}});
  EXPECT_EQ(read_npy_int64(path).data, (std::vector<std::int64_t>{7}));
  // A failed write leaves nothing behind: the directory holds only x.npy.
  EXPECT_THROW(write_npy((dir / "missing" / "y.npy").string(), t), Error);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1u);
  std::filesystem::remove_all(dir);
  try {
    read_npy(path);
    ADD_FAILURE() << "read a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
}

}  // namespace
}  // namespace zkinfer::model
