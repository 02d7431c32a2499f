// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "model/graph.hpp"

namespace zkinfer::model {

inline constexpr std::int64_t kMinOpset = 9;
inline constexpr std::int64_t kMaxOpset = 17;

struct ImportOptions {
  // A symbolic or unknown leading (batch) dimension of a graph input becomes
  // 1. Any other non-static dimension is always an Error.
  bool fix_batch_to_one = false;
  // Serialized models larger than this are rejected before parsing.
  std::size_t max_model_bytes = std::size_t{1} << 30;
  // Largest element count of any one tensor: initializers, inputs and every
  // inferred value (a guard against hostile shapes).
  std::int64_t max_tensor_elements = std::int64_t{1} << 28;
  // Evaluate nodes whose inputs are all constants at import.
  bool fold_constants = true;
  // Fold BatchNormalization into a preceding Conv/Gemm with one consumer.
  bool fold_batch_norm = true;
  // Graph inputs turned into constants with these values (by input name),
  // e.g. the shape input of a test model. Dtype and shape must match the
  // declared input.
  std::map<std::string, Tensor> frozen_inputs;
};

// Imports a serialized ONNX ModelProto. Every rejection is an Error naming
// the problem: malformed bytes, IR version, opset, unsupported operator
// (node name and op type), attribute, dtype or dynamic dimension. Rewrites
// applied on the way are listed in docs/onnx-import.md.
Graph import_onnx(ByteSpan bytes, const ImportOptions& options = {});
Graph import_onnx_file(const std::string& path, const ImportOptions& options = {});
Graph import_onnx_model(const onnx::ModelProto& model, const ImportOptions& options = {});

// True for the ONNX op types (default domain) the importer supports.
bool is_supported_operator(std::string_view op_type);

// Reads a whole file (Error naming the path when missing, unreadable or
// larger than max_bytes).
Bytes read_file_bytes(const std::string& path, std::size_t max_bytes);

}  // namespace zkinfer::model
