// SPDX-License-Identifier: Apache-2.0
// Internal to the ONNX importer: the graph under construction and the view
// of one ONNX node that the per-operator builders (onnx_ops.cpp) work on.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/graph.hpp"
#include "model/onnx_import.hpp"

namespace zkinfer::model::onnx_import {

class GraphBuilder {
 public:
  GraphBuilder(const ImportOptions& options, std::int64_t opset,
               std::set<std::string> consumed_names);

  const ImportOptions& options() const { return options_; }
  std::int64_t opset() const { return graph_.opset; }
  const Graph& graph() const { return graph_; }
  Graph take() { return std::move(graph_); }

  ValueId lookup(const std::string& name) const;
  // True when a node input or a graph output refers to `name`.
  bool is_consumed(const std::string& name) const { return consumed_.count(name) > 0; }
  std::string unique_name(const std::string& base) const;

  ValueId add_constant(const std::string& name, Tensor tensor);
  ValueId add_input(const std::string& name, DType dtype, Shape shape);
  // Appends a node (type and shape inferred), or, when constant folding is
  // on and every input is a constant, evaluates it into a constant value.
  ValueId emit(const std::string& node_name, OpKind kind, std::vector<ValueId> inputs,
               Attributes attributes, const std::string& output_name);
  // Makes `name` refer to an existing value (Identity, Dropout).
  void alias(const std::string& name, ValueId id);
  void add_output(const std::string& name, ValueId id) { graph_.outputs.push_back({name, id}); }

 private:
  ValueId add_value(Value value);

  const ImportOptions& options_;
  Graph graph_;
  std::unordered_map<std::string, ValueId> names_;
  std::set<std::string> consumed_;
};

class NodeContext {
 public:
  NodeContext(GraphBuilder& builder, const onnx::NodeProto& proto, std::string name);

  [[noreturn]] void fail(const std::string& what) const;
  void check(bool condition, const std::string& what) const {
    if (!condition) fail(what);
  }
  std::int64_t opset() const { return builder_.opset(); }
  const std::string& name() const { return name_; }
  const GraphBuilder& builder() const { return builder_; }

  // Inputs. Optional inputs may be absent or named "".
  std::size_t input_count() const { return static_cast<std::size_t>(proto_.input_size()); }
  void expect_inputs(std::size_t min, std::size_t max) const;
  bool has_input(std::size_t i) const;
  ValueId input(std::size_t i) const;           // Error when absent
  ValueId optional_input(std::size_t i) const;  // kNoValue when absent
  const Value& value(std::size_t i) const;
  // A present input that must be a constant; `role` names it in errors.
  TensorView constant(std::size_t i, const char* role) const;

  // Attributes. Every read marks the attribute handled; finish() rejects
  // any attribute the builder did not read.
  std::optional<std::int64_t> int_attr(const char* name);
  std::int64_t int_attr(const char* name, std::int64_t fallback);
  float float_attr(const char* name, float fallback);
  std::optional<float> optional_float_attr(const char* name);
  std::optional<std::vector<std::int64_t>> ints_attr(const char* name);
  std::optional<std::vector<float>> floats_attr(const char* name);
  std::string string_attr(const char* name, const std::string& fallback);
  const onnx::TensorProto* tensor_attr(const char* name);
  // Marks attributes whose value has no effect on inference (momentum, seed).
  void ignore_attr(const char* name);
  void finish() const;

  // Outputs beyond `count` must be absent or unused.
  void reject_used_outputs(std::size_t count, const char* why) const;
  void emit(OpKind kind, std::vector<ValueId> inputs, Attributes attributes);
  void alias_output(ValueId id);
  void define_constant(Tensor tensor);
  // A new constant named after `base` (made unique).
  ValueId add_constant(const std::string& base, Tensor tensor);

 private:
  const onnx::AttributeProto* attribute(const char* name, onnx::AttributeProto::AttributeType type);
  const std::string& output_name() const;

  GraphBuilder& builder_;
  const onnx::NodeProto& proto_;
  std::string name_;
  std::vector<bool> handled_;
};

using OpBuilder = void (*)(NodeContext&);
// The builder for an ONNX op type of the default domain, or null.
OpBuilder find_op_builder(std::string_view op_type);

}  // namespace zkinfer::model::onnx_import
