// SPDX-License-Identifier: Apache-2.0
#include "model/onnx_tensor.hpp"

#include <bit>
#include <cmath>
#include <cstring>

#include "base/error.hpp"

namespace zkinfer::model {

std::optional<DType> dtype_from_onnx(std::int32_t elem_type) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT:
      return DType::kFloat32;
    case onnx::TensorProto::UINT8:
      return DType::kUInt8;
    case onnx::TensorProto::INT8:
      return DType::kInt8;
    case onnx::TensorProto::INT32:
      return DType::kInt32;
    case onnx::TensorProto::INT64:
      return DType::kInt64;
    case onnx::TensorProto::BOOL:
      return DType::kBool;
    default:
      return std::nullopt;
  }
}

std::string onnx_dtype_name(std::int32_t elem_type) {
  if (onnx::TensorProto::DataType_IsValid(elem_type))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(elem_type));
  return std::to_string(elem_type);
}

namespace {

std::size_t element_size(DType dtype) {
  switch (dtype) {
    case DType::kBool:
    case DType::kUInt8:
    case DType::kInt8:
      return 1;
    case DType::kFloat32:
    case DType::kInt32:
      return 4;
    case DType::kInt64:
      return 8;
  }
  return 0;
}

// Little-endian element i of raw_data as a double (exact for every
// supported dtype within the range we accept).
double raw_element(const std::string& raw, std::size_t i, DType dtype) {
  const std::size_t size = element_size(dtype);
  std::uint64_t bits = 0;
  for (std::size_t b = 0; b < size; ++b)
    bits |= std::uint64_t{static_cast<std::uint8_t>(raw[i * size + b])} << (8 * b);
  switch (dtype) {
    case DType::kFloat32:
      return std::bit_cast<float>(static_cast<std::uint32_t>(bits));
    case DType::kBool:
    case DType::kUInt8:
      return static_cast<double>(bits);
    case DType::kInt8:
      return static_cast<std::int8_t>(bits);
    case DType::kInt32:
      return static_cast<std::int32_t>(bits);
    case DType::kInt64:
      return static_cast<double>(static_cast<std::int64_t>(bits));
  }
  return 0;
}

}  // namespace

Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what,
                         std::int64_t max_elements) {
  const std::optional<DType> dtype = dtype_from_onnx(proto.data_type());
  if (!dtype) fail(what + ": unsupported dtype " + onnx_dtype_name(proto.data_type()));
  if (proto.data_location() == onnx::TensorProto::EXTERNAL || proto.external_data_size() > 0)
    fail(what + ": external tensor data is unsupported");
  if (proto.has_segment()) fail(what + ": segmented tensors are unsupported");
  Tensor t;
  t.dtype = *dtype;
  for (std::int64_t d : proto.dims()) {
    if (d < 0) fail(what + ": negative dimension " + std::to_string(d));
    t.shape.push_back(d);
  }
  const std::int64_t count = element_count(t.shape);
  if (count > max_elements)
    fail(what + ": " + std::to_string(count) + " elements exceed the limit of " +
         std::to_string(max_elements));
  const auto n = static_cast<std::size_t>(count);

  if (proto.has_raw_data()) {
    const std::size_t bytes = proto.raw_data().size();
    if (bytes / element_size(t.dtype) != n || bytes % element_size(t.dtype) != 0)
      fail(what + ": raw_data holds " + std::to_string(bytes) + " bytes, dims " +
           shape_to_string(t.shape) + " need " + std::to_string(n * element_size(t.dtype)));
  } else {
    const int available = t.dtype == DType::kFloat32 ? proto.float_data_size()
                          : t.dtype == DType::kInt64 ? proto.int64_data_size()
                                                     : proto.int32_data_size();
    if (static_cast<std::size_t>(available) != n)
      fail(what + ": data holds " + std::to_string(available) + " elements, dims " +
           shape_to_string(t.shape) + " need " + std::to_string(n));
  }

  t.data.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    double v = 0;
    if (proto.has_raw_data())
      v = raw_element(proto.raw_data(), i, t.dtype);
    else if (t.dtype == DType::kFloat32)
      v = proto.float_data(static_cast<int>(i));
    else if (t.dtype == DType::kInt64)
      v = static_cast<double>(proto.int64_data(static_cast<int>(i)));
    else
      v = proto.int32_data(static_cast<int>(i));
    if (is_integer(t.dtype) && (v < dtype_min(t.dtype) || v > dtype_max(t.dtype)))
      fail(what + ": element " + std::to_string(i) + " (" + std::to_string(v) +
           ") out of range for " + dtype_name(t.dtype) +
           (t.dtype == DType::kInt32 || t.dtype == DType::kInt64 ? " (limit +-2^24)" : ""));
    t.data[i] = static_cast<float>(v);
  }
  return t;
}

}  // namespace zkinfer::model
