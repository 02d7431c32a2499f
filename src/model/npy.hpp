// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "model/tensor.hpp"

// NumPy .npy arrays: how calibration and evaluation sets reach the
// quantizer, the tests and the CLI. Format versions 1.0 and 2.0, C order,
// little-endian; dtypes float32 ('<f4') and uint8 ('|u1') as tensors, int64
// ('<i8') for labels. Anything else (version 3.0, Fortran order, big-endian,
// other dtypes, a data size that does not match the shape) is an Error
// naming the problem.
namespace zkinfer::model {

struct Int64Array {
  Shape shape;
  std::vector<std::int64_t> data;
};

// A float32 or uint8 array as a Tensor of that dtype (uint8 values held as
// floats, like every Tensor).
Tensor parse_npy(ByteSpan bytes);
Int64Array parse_npy_int64(ByteSpan bytes);

// Encodes a float32 or uint8 tensor (dtype kept) / an int64 array, version
// 1.0 (2.0 when the header needs it), header padded to 64 bytes.
Bytes encode_npy(const Tensor& tensor);
Bytes encode_npy(const Int64Array& array);

inline constexpr std::size_t kMaxNpyBytes = std::size_t{1} << 32;

Tensor read_npy(const std::string& path);
Int64Array read_npy_int64(const std::string& path);
// Written to a temporary file in the same directory and renamed into place:
// a failed write never leaves a partial file at `path`.
void write_npy(const std::string& path, const Tensor& tensor);
void write_npy(const std::string& path, const Int64Array& array);

}  // namespace zkinfer::model
