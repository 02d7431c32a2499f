// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <string>

#include "model/tensor.hpp"

namespace zkinfer::model {

// The DType of an ONNX TensorProto element type, or nullopt when unsupported.
std::optional<DType> dtype_from_onnx(std::int32_t elem_type);
// "FLOAT16", "STRING", ... (or the number when unknown), for error messages.
std::string onnx_dtype_name(std::int32_t elem_type);

// Converts an ONNX tensor (float32, uint8, int8, int32, int64 or bool; typed
// fields or little-endian raw_data). `what` names the tensor in errors.
// Rejects: other dtypes (named), external or segmented data, a data size that
// does not match the dims, more than max_elements elements, integers out of
// their dtype's range or beyond +-2^24 (not exact as float).
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what,
                         std::int64_t max_elements);

}  // namespace zkinfer::model
