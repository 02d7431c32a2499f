// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "model/graph.hpp"

namespace zkinfer::model {

// The float reference executor: the single definition of what a float graph
// computes, against which the quantized model is measured. Deterministic
// (independent of the OpenMP thread count). ONNX semantics throughout; the
// quantization operators round half to even and saturate.

// Evaluates one node on input data matching the graph's types of its inputs
// (absent optional inputs: an empty view). Returns the output elements, laid
// out in the shape of graph.value(node.output). Used by the executor and by
// constant folding at import.
std::vector<float> evaluate_node(const Graph& graph, const Node& node,
                                 std::span<const TensorView> inputs);

// Called once for every graph input and every node output, in execution
// order (constants are not reported). Calibration hooks in here.
using ValueObserver = std::function<void(ValueId, TensorView)>;

// Runs the graph on one tensor per graph input, in order, and returns the
// graph outputs in order. Rejects (Error naming the input): a wrong count,
// dtype or shape, NaN or infinite float elements, and integer-typed inputs
// with non-integral or out-of-range values.
std::vector<Tensor> execute(const Graph& graph, std::span<const Tensor> inputs,
                            const ValueObserver& observer = {});

// Rough operation count (multiply-adds and window taps) of one node / one
// run, saturating at UINT64_MAX.
std::uint64_t node_work(const Graph& graph, const Node& node);
std::uint64_t estimated_work(const Graph& graph);

}  // namespace zkinfer::model
