// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/graph.hpp"

namespace zkinfer::model {

struct TensorType {
  DType dtype = DType::kFloat32;
  Shape shape;
};

// Checks the dtypes and shapes of `node`'s inputs against its attributes and
// returns the type of its output. Errors name the node. This is the only
// shape inference of the project (the importer does not use ONNX's).
TensorType infer_output_type(const Graph& graph, const Node& node);

// Numpy (ONNX multidirectional) broadcasting; Error when incompatible.
Shape broadcast_shapes(std::span<const std::int64_t> a, std::span<const std::int64_t> b);

enum class AutoPad : std::uint8_t { kNotSet, kValid, kSameUpper, kSameLower };

// Explicit pads (begin pads then end pads) for a sliding window over the
// given spatial dimensions; for kNotSet returns `explicit_pads`.
std::vector<std::int64_t> resolve_pads(AutoPad auto_pad, std::span<const std::int64_t> spatial,
                                       std::span<const std::int64_t> kernel,
                                       std::span<const std::int64_t> strides,
                                       std::span<const std::int64_t> dilations,
                                       std::span<const std::int64_t> explicit_pads);

// Output length of one spatial axis of a sliding window (Conv, pools).
// With ceil_mode the last window must still start inside the input or its
// begin padding (the rule PyTorch and later ONNX versions use).
std::int64_t window_output_dim(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                               std::int64_t dilation, std::int64_t pad_begin, std::int64_t pad_end,
                               bool ceil_mode);

}  // namespace zkinfer::model
