// SPDX-License-Identifier: Apache-2.0
// The private model package, the public model card, model_id and the input
// commitment: round trips, binding to every weight and to the salt, and
// strict rejection of malformed or inconsistent files.
#include "proof/model_card.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "model/int_executor.hpp"
#include "model/onnx_import.hpp"
#include "model/quantize.hpp"
#include "proof/input.hpp"
#include "support/examples.hpp"

namespace zkinfer::proof {
namespace {

ModelPackage breast_cancer_package() {
  const model::Graph graph =
      model::import_onnx_file(zkinfer::testing::example_path("breast_cancer/mlp.onnx"));
  const model::Tensor input =
      read_tensor_json(zkinfer::testing::example_path("breast_cancer/input_0.json"));
  return {model::quantize(graph, std::vector{input}), hash::draw_commitment_salt()};
}

template <class F>
void expect_error(F&& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

model::QGemm& first_gemm(model::QuantizedModel& m) {
  for (auto& node : m.nodes)
    if (auto* g = std::get_if<model::QGemm>(&node.op)) return *g;
  throw std::logic_error("no Gemm");
}

TEST(ModelId, BindsEveryWeightBiasAndTheSalt) {
  ModelPackage package = breast_cancer_package();
  const hash::Poseidon2Digest id = compute_model_id(package.model, package.salt);
  EXPECT_EQ(compute_model_id(package.model, package.salt), id);

  ModelPackage other_salt = package;
  other_salt.salt = hash::draw_commitment_salt();
  EXPECT_NE(compute_model_id(other_salt.model, other_salt.salt), id);

  ModelPackage weight = package;
  auto& w = first_gemm(weight.model).weights.values;
  w.back() = w.back() == 127 ? 126 : w.back() + 1;
  EXPECT_NE(compute_model_id(weight.model, weight.salt), id);

  ModelPackage bias = package;
  first_gemm(bias.model).bias.at(0) += 1;
  EXPECT_NE(compute_model_id(bias.model, bias.salt), id);

  // The message lists weights and biases node by node, sizes from the
  // architecture alone.
  const ModelMessage full = model_message(package.model, true);
  const ModelMessage shape_only = model_message(
      model::parse_architecture_bytes(model::serialize_architecture(package.model)), false);
  EXPECT_EQ(full.segments, shape_only.segments);
  EXPECT_TRUE(shape_only.values.empty());
  EXPECT_EQ(full.values.size(), hash::value_count(full.segments));
}

TEST(ModelPackage, RoundTripsAndRejectsTruncation) {
  const ModelPackage package = breast_cancer_package();
  const Bytes bytes = serialize_package(package);
  const ModelPackage back = parse_package(bytes);
  EXPECT_EQ(back.salt, package.salt);
  EXPECT_EQ(model::serialize(back.model), model::serialize(package.model));
  for (std::size_t cut : {std::size_t{0}, std::size_t{3}, std::size_t{20}, bytes.size() - 1})
    EXPECT_THROW(parse_package(ByteSpan(bytes).first(cut)), Error) << cut;
  Bytes bad_salt = bytes;
  for (std::size_t i = 8; i < 16; ++i) bad_salt[i] = 0xff;  // salt element >= p
  expect_error([&] { parse_package(bad_salt); }, "canonical");
  Bytes bad_magic = bytes;
  bad_magic[0] ^= 1;
  expect_error([&] { parse_package(bad_magic); }, "magic");
}

TEST(ModelCard, RoundTripsAndCarriesNoWeights) {
  const ModelPackage package = breast_cancer_package();
  const ModelCard card = make_card(package);
  EXPECT_EQ(card.model_id, compute_model_id(package.model, package.salt));
  EXPECT_EQ(card.arch_digest, model::architecture_digest(package.model));
  const std::string json = card_json(card);
  const ModelCard back = parse_card(json);
  EXPECT_EQ(back.model_id, card.model_id);
  EXPECT_EQ(back.arch_digest, card.arch_digest);
  EXPECT_EQ(card_json(back), json);
  for (const auto& node : back.architecture.nodes) {
    if (const auto* g = std::get_if<model::QGemm>(&node.op)) {
      for (std::int32_t v : g->weights.values) EXPECT_EQ(v, 0);
    }
  }
}

TEST(ModelCard, RejectsEveryInconsistency) {
  const nlohmann::json good = nlohmann::json::parse(card_json(make_card(breast_cancer_package())));
  const auto with = [&](const char* key, nlohmann::json value) {
    nlohmann::json j = good;
    j[key] = std::move(value);
    return j.dump();
  };
  expect_error([&] { parse_card("{"); }, "not JSON");
  expect_error([&] { parse_card(with("format", "something-else")); }, "not a zkinfer model card");
  expect_error([&] { parse_card(with("version", 2)); }, "version");
  expect_error([&] { parse_card(with("model_id", "00")); }, "model_id");
  expect_error([&] { parse_card(with("extra", 1)); }, "exactly the keys");
  std::string arch = good["architecture"].get<std::string>();
  arch[arch.size() - 1] = arch.back() == '0' ? '1' : '0';
  expect_error([&] { parse_card(with("architecture", arch)); }, "does not match");
  nlohmann::json description = good["description"];
  description["nodes"] = nlohmann::json::array();
  expect_error([&] { parse_card(with("description", description)); }, "description");
  nlohmann::json missing = good;
  missing.erase("model_id");
  expect_error([&] { parse_card(missing.dump()); }, "exactly the keys");
}

TEST(TensorJson, ParsesAndRejectsMalformedInput) {
  const model::Tensor t = parse_tensor_json(R"({"shape": [1, 3], "data": [0.5, -1, 2]})", "x");
  EXPECT_EQ(t.shape, (model::Shape{1, 3}));
  EXPECT_EQ(t.data, (std::vector<float>{0.5f, -1.0f, 2.0f}));
  expect_error([] { parse_tensor_json(R"({"shape": [1, 3], "data": [0.5, 1]})", "x"); },
               "the shape holds 3");
  expect_error([] { parse_tensor_json(R"({"shape": [0], "data": []})", "x"); }, "positive");
  expect_error([] { parse_tensor_json(R"({"shape": [1], "data": ["a"]})", "x"); }, "numbers");
  expect_error([] { parse_tensor_json(R"({"shape": [1], "data": [1e39]})", "x"); }, "finite");
  expect_error([] { parse_tensor_json(R"({"shape": [1], "data": [1], "k": 0})", "x"); },
               "exactly the keys");
  expect_error([] { parse_tensor_json(R"([1, 2])", "in.json"); }, "in.json");
  expect_error([] { parse_tensor_json(R"({"shape": [1], "data": [NaN]})", "x"); }, "not JSON");
}

TEST(InputCommitment, BindsEveryValueAndTheSalt) {
  const ModelPackage package = breast_cancer_package();
  const model::Tensor x =
      read_tensor_json(zkinfer::testing::example_path("breast_cancer/input_0.json"));
  ops::IntTensor input = model::quantize_input(package.model, x);
  const hash::CommitmentSalt salt = hash::draw_commitment_salt();
  const hash::Poseidon2Digest c = compute_input_commitment(package.model, input, salt);
  EXPECT_NE(compute_input_commitment(package.model, input, hash::draw_commitment_salt()), c);
  const ops::QuantParams& q = package.model.tensors[package.model.input].quant;
  input.values[0] = input.values[0] == q.hi ? q.hi - 1 : input.values[0] + 1;
  EXPECT_NE(compute_input_commitment(package.model, input, salt), c);
}

}  // namespace
}  // namespace zkinfer::proof
