// SPDX-License-Identifier: Apache-2.0
// ONNX import: model-level checks and every class of rejection, each with a
// message that names the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/error.hpp"
#include "model/onnx_builder.hpp"
#include "support/rng.hpp"

namespace zkinfer::model {
namespace {

using testing::Dims;
using testing::ModelBuilder;

std::string import_error(const ModelBuilder& m, const ImportOptions& options = {}) {
  try {
    m.import(options);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "import succeeded";
  return {};
}

std::string import_error(ByteSpan bytes) {
  try {
    import_onnx(bytes);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "import succeeded";
  return {};
}

// x[1,4] -> Gemm(W[3,4]^T, b[3]) -> Relu -> y[1,3]
ModelBuilder small_model() {
  ModelBuilder m;
  m.input("x", {1, 4});
  m.initializer("W", {3, 4}, {1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1});
  m.initializer("b", {3}, {0.5f, -10.0f, 0.0f});
  testing::attr(m.node("Gemm", {"x", "W", "b"}, {"h"}, "fc"), "transB", std::int64_t{1});
  m.node("Relu", {"h"}, {"y"}, "act");
  m.output("y");
  return m;
}

TEST(OnnxImport, ImportsAndRunsASmallModel) {
  const Graph g = small_model().import();
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "x");
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{1, 4}));
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].kind, OpKind::kGemm);
  EXPECT_EQ(g.nodes[0].name, "fc");
  EXPECT_TRUE(g.nodes[0].attrs<GemmAttributes>().trans_b);
  EXPECT_EQ(g.nodes[1].kind, OpKind::kRelu);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0].name, "y");
  EXPECT_EQ(g.value(g.outputs[0].value).shape, (Shape{1, 3}));
  EXPECT_EQ(g.opset, 13);

  const auto out = execute(g, std::vector{testing::float_input({1, 4}, {1, 2, 3, 4})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (std::vector<float>{1.5f, 0.0f, 10.0f}));
}

TEST(OnnxImport, RejectsEmptyAndGarbageBytes) {
  EXPECT_NE(import_error(ByteSpan{}).find("empty"), std::string::npos);
  const std::string text = "this is not an onnx model";
  EXPECT_NE(import_error(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()))
                .find("malformed"),
            std::string::npos);
  testing::TestRng rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    Bytes bytes(1 + rng.below(300));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    EXPECT_THROW(import_onnx(bytes), Error);
  }
}

TEST(OnnxImport, EveryTruncatedPrefixIsRejected) {
  const Bytes bytes = small_model().bytes();
  ASSERT_NO_THROW(import_onnx(bytes));
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(import_onnx(ByteSpan(bytes).first(n)), Error) << "prefix of " << n << " bytes";
}

TEST(OnnxImport, ReadsFilesAndNamesMissingOnes) {
  const auto path = std::filesystem::temp_directory_path() / "zkinfer_import_test.onnx";
  const Bytes bytes = small_model().bytes();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  EXPECT_EQ(import_onnx_file(path.string()).nodes.size(), 2u);
  std::filesystem::remove(path);
  try {
    import_onnx_file(path.string());
    ADD_FAILURE() << "missing file imported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
  ImportOptions tiny;
  tiny.max_model_bytes = 16;
  EXPECT_NE(import_error(small_model(), tiny).find("exceeds the limit"), std::string::npos);
}

TEST(OnnxImport, ChecksIrVersionAndOpsets) {
  ModelBuilder old_ir = small_model();
  old_ir.model().set_ir_version(2);
  EXPECT_NE(import_error(old_ir).find("IR version 2"), std::string::npos);

  for (std::int64_t opset : {8, 18}) {
    ModelBuilder m = small_model();
    m.model().mutable_opset_import(0)->set_version(opset);
    const std::string e = import_error(m);
    EXPECT_NE(e.find("opset " + std::to_string(opset)), std::string::npos) << e;
    EXPECT_NE(e.find("9..17"), std::string::npos) << e;
  }
  ModelBuilder none = small_model();
  none.model().clear_opset_import();
  EXPECT_NE(import_error(none).find("no default-domain"), std::string::npos);

  // Another domain may be imported; a node using it is rejected by name.
  ModelBuilder custom = small_model();
  auto* ms = custom.model().add_opset_import();
  ms->set_domain("com.microsoft");
  ms->set_version(1);
  EXPECT_NO_THROW(custom.import());
  custom.graph().mutable_node(1)->set_domain("com.microsoft");
  const std::string e = import_error(custom);
  EXPECT_NE(e.find("node 'act'"), std::string::npos) << e;
  EXPECT_NE(e.find("domain 'com.microsoft' (opset 1)"), std::string::npos) << e;
}

TEST(OnnxImport, UnsupportedOperatorNamesNodeAndOpType) {
  ModelBuilder m;
  m.input("x", {1, 4});
  m.node("Relu", {"x"}, {"h"});
  m.node("Erf", {"h"}, {"y"}, "my_erf");
  m.output("y");
  EXPECT_EQ(import_error(m), "node 'my_erf' (Erf): unsupported operator");
  m.graph().mutable_node(1)->set_name("");
  EXPECT_EQ(import_error(m), "node 'Erf#1' (Erf): unsupported operator");
}

TEST(OnnxImport, UnsupportedOrMistypedAttributeIsNamed) {
  ModelBuilder m;
  m.input("x", {1, 4});
  testing::attr(m.node("Relu", {"x"}, {"y"}, "r"), "slope", 0.5f);
  m.output("y");
  EXPECT_EQ(import_error(m), "node 'r' (Relu): unsupported attribute 'slope'");

  ModelBuilder g = small_model();
  testing::attr(*g.graph().mutable_node(0), "alpha", std::int64_t{2});
  EXPECT_NE(import_error(g).find("attribute 'alpha' has type INT, expected FLOAT"),
            std::string::npos);

  ModelBuilder c;
  c.input("x", {1, 1, 4, 4});
  c.initializer("w", {1, 1, 3, 3}, std::vector<float>(9, 1.0f));
  testing::attr(c.node("Conv", {"x", "w"}, {"y"}, "conv"), "auto_pad", std::string("SAME_FOO"));
  c.output("y");
  EXPECT_NE(import_error(c).find("unsupported auto_pad value 'SAME_FOO'"), std::string::npos);
}

TEST(OnnxImport, UnsupportedDtypeIsNamed) {
  ModelBuilder m = small_model();
  onnx::TensorProto* w = m.graph().mutable_initializer(0);
  w->set_data_type(onnx::TensorProto::FLOAT16);
  EXPECT_EQ(import_error(m), "initializer 'W': unsupported dtype FLOAT16");

  ModelBuilder d;
  d.input("x", {2}, onnx::TensorProto::DOUBLE);
  d.node("Relu", {"x"}, {"y"});
  d.output("y");
  EXPECT_EQ(import_error(d), "graph input 'x': unsupported dtype DOUBLE");

  ModelBuilder u;  // a float operator on an integer tensor
  u.input("x", {2}, onnx::TensorProto::UINT8);
  u.node("Sigmoid", {"x"}, {"y"}, "s");
  u.output("y");
  EXPECT_EQ(import_error(u), "node 's' (Sigmoid): input 'x' has dtype uint8, expected float32");
}

TEST(OnnxImport, DynamicDimensions) {
  ModelBuilder m;
  m.input("x", {-1, 4});
  m.node("Relu", {"x"}, {"y"});
  m.output("y");
  const std::string e = import_error(m);
  EXPECT_NE(e.find("graph input 'x' dimension 0 is dynamic ('N')"), std::string::npos) << e;

  ImportOptions fix;
  fix.fix_batch_to_one = true;
  const Graph g = m.import(fix);
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{1, 4}));

  ModelBuilder inner;
  inner.input("x", {1, -1});
  inner.node("Relu", {"x"}, {"y"});
  inner.output("y");
  EXPECT_NE(import_error(inner, fix).find("dimension 1 is dynamic"), std::string::npos);

  ModelBuilder unknown_rank;
  unknown_rank.input("x", {1});
  unknown_rank.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  unknown_rank.node("Relu", {"x"}, {"y"});
  unknown_rank.output("y");
  EXPECT_NE(import_error(unknown_rank).find("has no shape"), std::string::npos);
}

TEST(OnnxImport, ExtraOutputsMayExistButNotBeUsed) {
  for (bool used : {false, true}) {
    ModelBuilder m;
    m.input("x", {1, 4});
    m.node("Dropout", {"x"}, {"y", "mask"}, "drop");
    m.output("y");
    if (used) m.output("mask");
    if (used) {
      EXPECT_EQ(import_error(m),
                "node 'drop' (Dropout): output 1 ('mask', the Dropout mask) is used but "
                "unsupported");
    } else {
      const Graph g = m.import();
      EXPECT_TRUE(g.nodes.empty());
      EXPECT_EQ(g.outputs[0].value, g.inputs[0]);
    }
  }
  ModelBuilder pool(12);
  pool.input("x", {1, 1, 4, 4});
  testing::attr(pool.node("MaxPool", {"x"}, {"y", "idx"}, "mp"), "kernel_shape", Dims{2, 2});
  pool.node("Relu", {"idx"}, {"z"});
  pool.output("y");
  pool.output("z");
  EXPECT_NE(import_error(pool).find("'idx', the MaxPool indices"), std::string::npos);
}

TEST(OnnxImport, TrainingModeIsRejected) {
  ModelBuilder m(15);
  m.input("x", {1, 2, 2, 2});
  for (const char* name : {"s", "b", "mean", "var"}) m.initializer(name, {2}, {1, 1});
  testing::attr(m.node("BatchNormalization", {"x", "s", "b", "mean", "var"}, {"y"}, "bn"),
                "training_mode", std::int64_t{1});
  m.output("y");
  EXPECT_NE(import_error(m).find("training_mode=1 is unsupported"), std::string::npos);

  ModelBuilder d;
  d.input("x", {1, 4});
  onnx::TensorProto t = testing::int32_field_tensor("t", onnx::TensorProto::BOOL, {}, {1});
  d.initializer(t);
  d.node("Dropout", {"x", "", "t"}, {"y"}, "drop");
  d.output("y");
  EXPECT_NE(import_error(d).find("training_mode must be false"), std::string::npos);
}

TEST(OnnxImport, ParametersThatMustBeConstant) {
  ModelBuilder div;
  div.input("x", {2});
  div.input("y", {2});
  div.node("Div", {"x", "y"}, {"z"}, "d");
  div.output("z");
  const std::string e = import_error(div);
  EXPECT_NE(e.find("node 'd' (Div): input 1 ('y', divisor"), std::string::npos) << e;
  EXPECT_NE(e.find("must be a constant"), std::string::npos) << e;

  ModelBuilder zero;
  zero.input("x", {2});
  zero.initializer("y", {2}, {1.0f, 0.0f});
  zero.node("Div", {"x", "y"}, {"z"}, "d");
  zero.output("z");
  EXPECT_EQ(import_error(zero), "node 'd' (Div): divisor element 1 is zero");

  ModelBuilder reshape;
  reshape.input("x", {2, 3});
  reshape.input("shape", {2}, onnx::TensorProto::INT64);
  reshape.node("Reshape", {"x", "shape"}, {"y"}, "r");
  reshape.output("y");
  ImportOptions frozen;
  frozen.frozen_inputs["shape"] = Tensor{DType::kInt64, {2}, {3, 2}};
  const Graph g = reshape.import(frozen);
  EXPECT_EQ(g.value(g.outputs[0].value).shape, (Shape{3, 2}));
  EXPECT_EQ(g.inputs.size(), 1u);
  EXPECT_NE(import_error(reshape).find("graph input 'shape' has dtype int64"), std::string::npos);

  frozen.frozen_inputs["shape"] = Tensor{DType::kInt64, {3}, {3, 2, 1}};
  EXPECT_NE(import_error(reshape, frozen).find("does not match its declared type"),
            std::string::npos);
  ImportOptions unknown;
  unknown.frozen_inputs["nope"] = Tensor{DType::kFloat32, {1}, {0}};
  EXPECT_NE(import_error(small_model(), unknown).find("frozen input 'nope'"), std::string::npos);
}

TEST(OnnxImport, GraphStructureErrors) {
  ModelBuilder undefined;
  undefined.input("x", {2});
  undefined.node("Add", {"x", "ghost"}, {"y"}, "add");
  undefined.output("y");
  EXPECT_EQ(import_error(undefined), "node 'add' (Add): input 'ghost' is not defined");

  ModelBuilder cycle;
  cycle.input("x", {2});
  cycle.node("Add", {"x", "b"}, {"a"}, "n1");
  cycle.node("Relu", {"a"}, {"b"}, "n2");
  cycle.output("b");
  EXPECT_NE(import_error(cycle).find("part of a cycle"), std::string::npos);

  ModelBuilder twice;
  twice.input("x", {2});
  twice.node("Relu", {"x"}, {"y"}, "n1");
  twice.node("Relu", {"x"}, {"y"}, "n2");
  twice.output("y");
  EXPECT_NE(import_error(twice).find("value 'y' is defined twice"), std::string::npos);

  ModelBuilder missing_output;
  missing_output.input("x", {2});
  missing_output.node("Relu", {"x"}, {"y"});
  missing_output.output("z");
  EXPECT_EQ(import_error(missing_output), "graph output 'z' is never produced");

  ModelBuilder declared = small_model();
  auto* shape = declared.graph().mutable_output(0)->mutable_type()->mutable_tensor_type();
  shape->set_elem_type(onnx::TensorProto::FLOAT);
  shape->mutable_shape()->add_dim()->set_dim_value(1);
  shape->mutable_shape()->add_dim()->set_dim_value(4);
  EXPECT_NE(import_error(declared).find("graph output 'y' is declared with another shape"),
            std::string::npos);
  shape->mutable_shape()->mutable_dim(1)->set_dim_param("M");  // symbolic: not checked
  EXPECT_NO_THROW(declared.import());

  ModelBuilder mismatch;
  mismatch.input("a", {2, 3});
  mismatch.initializer("b", {2, 3}, std::vector<float>(6, 1.0f));
  mismatch.node("MatMul", {"a", "b"}, {"y"}, "mm");
  mismatch.output("y");
  EXPECT_EQ(import_error(mismatch), "node 'mm' (MatMul): inner dimensions differ: [2,3] x [2,3]");
}

TEST(OnnxImport, AcceptsNodesListedOutOfOrder) {
  ModelBuilder m;
  m.input("x", {2});
  m.node("Relu", {"h"}, {"y"}, "second");
  m.node("Sigmoid", {"x"}, {"h"}, "first");
  m.output("y");
  const Graph g = m.import();
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].name, "first");
  EXPECT_EQ(g.nodes[1].name, "second");
}

TEST(OnnxImport, InitializerEncodingsAndLimits) {
  // raw_data is little-endian.
  ModelBuilder raw;
  raw.input("x", {2});
  onnx::TensorProto c;
  c.set_name("c");
  c.set_data_type(onnx::TensorProto::FLOAT);
  c.add_dims(2);
  const float values[2] = {1.5f, -2.0f};
  c.set_raw_data(std::string(reinterpret_cast<const char*>(values), sizeof(values)));
  raw.initializer(c);
  raw.node("Add", {"x", "c"}, {"y"});
  raw.output("y");
  const auto out = execute(raw.import(), std::vector{testing::float_input({2}, {1, 1})});
  EXPECT_EQ(out[0].data, (std::vector<float>{2.5f, -1.0f}));

  c.set_raw_data(std::string(reinterpret_cast<const char*>(values), 6));
  *raw.graph().mutable_initializer(0) = c;
  EXPECT_EQ(import_error(raw), "initializer 'c': raw_data holds 6 bytes, dims [2] need 8");

  ModelBuilder counted = small_model();
  counted.graph().mutable_initializer(1)->add_float_data(1.0f);
  EXPECT_EQ(import_error(counted), "initializer 'b': data holds 4 elements, dims [3] need 3");

  ModelBuilder external = small_model();
  external.graph().mutable_initializer(0)->set_data_location(onnx::TensorProto::EXTERNAL);
  EXPECT_EQ(import_error(external), "initializer 'W': external tensor data is unsupported");

  ImportOptions small;
  small.max_tensor_elements = 5;
  EXPECT_EQ(import_error(small_model(), small),
            "initializer 'W': 12 elements exceed the limit of 5");

  ModelBuilder big_int;
  big_int.input("x", {2});
  big_int.initializer(testing::int64_tensor("s", {1}, {std::int64_t{1} << 40}));
  big_int.node("Reshape", {"x", "s"}, {"y"});
  big_int.output("y");
  EXPECT_NE(import_error(big_int).find("out of range for int64 (limit +-2^24)"), std::string::npos);
}

TEST(OnnxImport, UnsupportedGeometryIsNamed) {
  ModelBuilder m;
  m.input("x", {1, 1, 4, 4, 4});
  testing::attr(m.node("MaxPool", {"x"}, {"y"}, "pool3d"), "kernel_shape", Dims{2, 2, 2});
  m.output("y");
  EXPECT_EQ(import_error(m),
            "node 'pool3d' (MaxPool): 3 spatial dimensions are unsupported (1-D and 2-D only)");
}

}  // namespace
}  // namespace zkinfer::model
