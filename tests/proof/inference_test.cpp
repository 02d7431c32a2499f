// SPDX-License-Identifier: Apache-2.0
// The proof of a whole inference on real example models: completeness with
// the output equal to the integer reference executor, rejection of every
// changed statement field, another model's card, flipped proof bytes, and
// cheating provers that corrupt the witness and then prove honestly.
#include "proof/inference.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "model/int_executor.hpp"
#include "model/onnx_import.hpp"
#include "model/quantize.hpp"
#include "proof/input.hpp"
#include "support/examples.hpp"
#include "support/sizes.hpp"

namespace zkinfer::proof {
namespace {

using field::Goldilocks;

struct Example {
  ModelPackage package;
  ModelCard card;
  ops::IntTensor input;
};

model::Graph example_graph(const std::string& onnx) {
  model::ImportOptions options;
  options.fix_batch_to_one = true;
  return model::import_onnx_file(zkinfer::testing::example_path(onnx), options);
}

// Example inputs are flat rows; the model's input shape has the same count.
model::Tensor example_input(const model::Graph& graph, const std::string& input_json) {
  return model::split_samples(graph, read_tensor_json(zkinfer::testing::example_path(input_json)))
      .at(0);
}

Example load(const std::string& onnx, const std::string& input_json) {
  const model::Graph graph = example_graph(onnx);
  const model::Tensor x = example_input(graph, input_json);
  Example e;
  e.package = {model::quantize(graph, std::vector{x}), hash::draw_commitment_salt()};
  e.card = make_card(e.package);
  e.input = model::quantize_input(e.package.model, x);
  return e;
}

const Example& breast_cancer() {
  static const Example e = load("breast_cancer/mlp.onnx", "breast_cancer/input_0.json");
  return e;
}

// The proof as the verifier receives it: through the file format.
Verdict verify_bytes(const ModelCard& card, ByteSpan bytes) {
  try {
    return verify_inference(card, parse_proof(bytes));
  } catch (const Error& e) {
    return {false, e.what()};
  }
}

TEST(Inference, ProvesRealModelsWithTheReferenceOutput) {
  for (const auto& [onnx, input] :
       {std::pair{"breast_cancer/mlp.onnx", "breast_cancer/input_0.json"},
        std::pair{"credit/credit_mlp.onnx", "credit/input_0.json"},
        std::pair{"fashion_mnist/mlp.onnx", "fashion_mnist/input_0.json"},
        std::pair{"fashion_mnist/lenet.onnx", "fashion_mnist/input_1.json"}}) {
    const Example e = load(onnx, input);
    const ProveResult result = prove_inference(e.package, e.input);
    EXPECT_EQ(result.output.values,
              model::execute_quantized(e.package.model, e.input).output(e.package.model).values)
        << onnx;
    EXPECT_EQ(result.proof.statement.model_id, e.card.model_id);
    EXPECT_EQ(result.proof.statement.input_commitment,
              compute_input_commitment(e.package.model, e.input, result.input_salt));
    const Bytes bytes = serialize_proof(result.proof);
    const Verdict v = verify_bytes(e.card, bytes);
    EXPECT_TRUE(v.accepted) << onnx << ": " << v.reason;
    std::printf("%s: proof %zu bytes (sub-proofs %zu, constraint proof %zu)\n", onnx, bytes.size(),
                result.proof.sub_proofs.size(), result.proof.constraint_proof.size());
  }
}

TEST(Inference, RejectsAnotherModelsCardAndEveryChangedStatementField) {
  const Example& e = breast_cancer();
  const InferenceProof proof = prove_inference(e.package, e.input).proof;
  ASSERT_TRUE(verify_inference(e.card, proof).accepted);

  // The same model under another salt is another certified model.
  ModelPackage other = e.package;
  other.salt = hash::draw_commitment_salt();
  EXPECT_FALSE(verify_inference(make_card(other), proof).accepted);
  // A different model with the same architecture, its card's id pasted in.
  ModelPackage changed = e.package;
  for (auto& node : changed.model.nodes) {
    if (auto* g = std::get_if<model::QGemm>(&node.op)) {
      g->weights.values[0] = g->weights.values[0] == 0 ? 1 : 0;
      break;
    }
  }
  InferenceProof relabelled = prove_inference(changed, e.input).proof;
  relabelled.statement.model_id = e.card.model_id;
  EXPECT_FALSE(verify_inference(e.card, relabelled).accepted);

  InferenceProof output = proof;
  output.statement.output[0] += 1;
  EXPECT_FALSE(verify_inference(e.card, output).accepted);
  InferenceProof input = proof;
  input.statement.input_commitment[1] += Goldilocks::one();
  EXPECT_FALSE(verify_inference(e.card, input).accepted);
  InferenceProof arch = proof;
  arch.statement.arch_digest.bytes[0] ^= 1;
  EXPECT_FALSE(verify_inference(e.card, arch).accepted);
  InferenceProof model_id = proof;
  model_id.statement.model_id[3] += Goldilocks::one();
  EXPECT_FALSE(verify_inference(e.card, model_id).accepted);
}

// Every byte before the sub-proofs (magic, statement, commitment, length) is
// flipped; then one byte in every 131 of the sub-proofs (so each 16-byte
// field element of every sub-proof region is near a flip) and one in every
// 1999 of the Ligero proof, whose own every-byte sweep is in tests/pcs and
// the sub-protocols' in their folders. Strides are 8x coarser under the
// sanitizers.
TEST(Inference, RejectsFlippedBytes) {
  const Example& e = breast_cancer();
  const InferenceProof proof = prove_inference(e.package, e.input).proof;
  const Bytes bytes = serialize_proof(proof);
  const std::size_t scale = zkinfer::testing::kSanitized ? 8 : 1;
  const std::size_t sub_proofs_start =
      bytes.size() - proof.constraint_proof.size() - 8 - proof.sub_proofs.size();
  const std::size_t ligero_start = bytes.size() - proof.constraint_proof.size();
  std::size_t flipped = 0;
  for (std::size_t i = 0; i < bytes.size();
       i += i < sub_proofs_start ? 1 : (i < ligero_start ? 131 : 1999) * scale) {
    Bytes bad = bytes;
    bad[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
    EXPECT_FALSE(verify_bytes(e.card, bad).accepted) << "byte " << i << " of " << bytes.size();
    ++flipped;
  }
  std::printf("flipped %zu of %zu bytes (every one of the first %zu)\n", flipped, bytes.size(),
              sub_proofs_start);
}

const Example& lenet() {
  static const Example e = load("fashion_mnist/lenet.onnx", "fashion_mnist/input_2.json");
  return e;
}

bool cheat_accepted(
    const std::function<void(const InferenceCircuit&, sumcheck::BaseWitness<Challenge>&)>& corrupt,
    const Example& e = breast_cancer()) {
  try {
    const InferenceProof proof = prove_inference(e.package, e.input, {corrupt}).proof;
    return verify_inference(e.card, proof).accepted;
  } catch (const Error&) {
    return false;  // the prover itself refused (a value left its range)
  }
}

const model::QNode& node_of(const model::QuantizedModel& m, std::size_t i) {
  return m.nodes.at(i);
}

TEST(Inference, RejectsCheatingProvers) {
  const Example& e = breast_cancer();
  const model::QuantizedModel& m = e.package.model;
  std::vector<std::size_t> gemms;
  for (std::size_t i = 0; i < m.nodes.size(); ++i)
    if (std::holds_alternative<model::QGemm>(node_of(m, i).op)) gemms.push_back(i);
  ASSERT_GE(gemms.size(), 2u);
  const auto bump = [](Goldilocks& v) { v += Goldilocks::one(); };

  EXPECT_FALSE(cheat_accepted([&](const InferenceCircuit& c, auto& w) {
    bump(w.at(c.weight_slot(gemms[0]) + 3));  // one changed weight
  }));
  EXPECT_FALSE(cheat_accepted([&](const InferenceCircuit& c, auto& w) {
    bump(w.at(c.bias_slot(gemms[1])));  // one changed bias
  }));
  EXPECT_FALSE(cheat_accepted([&](const InferenceCircuit& c, auto& w) {
    // A swapped weight row of the first layer.
    const std::size_t k = std::get<model::QGemm>(node_of(m, gemms[0]).op).weights.shape[1];
    const Slot first = c.weight_slot(gemms[0]);
    for (std::size_t j = 0; j < k; ++j) std::swap(w.at(first + j), w.at(first + k + j));
  }));
  EXPECT_FALSE(cheat_accepted([&](const InferenceCircuit& c, auto& w) {
    bump(w.at(c.tensor_slot(m.input)));  // a changed input value
  }));
  EXPECT_FALSE(cheat_accepted([&](const InferenceCircuit& c, auto& w) {
    // A flipped ReLU: a hidden activation moved off its clamped value.
    const Slot hidden = c.tensor_slot(node_of(m, gemms[0]).output);
    const model::QTensor& t = m.tensors[node_of(m, gemms[0]).output];
    for (std::size_t i = 0; i < ops::element_count(t.shape); ++i) {
      if (w.at(hidden + i) == Goldilocks::from_i64(t.quant.zero_point)) {
        bump(w.at(hidden + i));
        return;
      }
    }
    bump(w.at(hidden));
  }));
  // The honest prover on the same path is accepted.
  EXPECT_TRUE(cheat_accepted([](const InferenceCircuit&, auto&) {}));
}

TEST(Inference, RejectsCheatingProversOnACnn) {
  const Example& e = lenet();
  const model::QuantizedModel& m = e.package.model;
  std::vector<std::size_t> convs, pools;
  for (std::size_t i = 0; i < m.nodes.size(); ++i) {
    if (std::holds_alternative<model::QConv>(node_of(m, i).op)) convs.push_back(i);
    if (std::holds_alternative<model::QMaxPool>(node_of(m, i).op)) pools.push_back(i);
  }
  ASSERT_EQ(convs.size(), 2u);
  ASSERT_EQ(pools.size(), 2u);
  const auto bump = [](Goldilocks& v) { v += Goldilocks::one(); };
  const auto cheat = [&](auto corrupt) { return cheat_accepted(corrupt, e); };

  EXPECT_FALSE(cheat([&](const InferenceCircuit& c, auto& w) {
    bump(w.at(c.weight_slot(convs[1]) + 7));  // one changed filter weight
  }));
  EXPECT_FALSE(cheat([&](const InferenceCircuit& c, auto& w) {
    bump(w.at(c.bias_slot(convs[0]) + 2));  // one changed conv bias
  }));
  EXPECT_FALSE(cheat([&](const InferenceCircuit& c, auto& w) {
    // Two filters of the first convolution swapped.
    const std::size_t size = std::get<model::QConv>(node_of(m, convs[0]).op).weights.size() / 6;
    const Slot first = c.weight_slot(convs[0]);
    for (std::size_t j = 0; j < size; ++j) std::swap(w.at(first + j), w.at(first + size + j));
  }));
  EXPECT_FALSE(cheat([&](const InferenceCircuit& c, auto& w) {
    bump(w.at(c.tensor_slot(m.input) + 14 * 28 + 14));  // a changed input pixel
  }));
  EXPECT_FALSE(cheat([&](const InferenceCircuit& c, auto& w) {
    // A pooled value lowered by one: no longer the window's maximum.
    w.at(c.tensor_slot(node_of(m, pools[0]).output) + 5) -= Goldilocks::one();
  }));
  EXPECT_TRUE(cheat([](const InferenceCircuit&, auto&) {}));
}

TEST(Inference, NoPrivateValueAppearsInTheProof) {
  const Example& e = breast_cancer();
  const Bytes bytes = serialize_proof(prove_inference(e.package, e.input).proof);
  // The salt and the bias values (int32) are the searchable secrets: 8- and
  // 4-byte words that random proof bytes would contain by chance with
  // negligible probability.
  const auto contains = [&](ByteSpan needle) {
    return std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end();
  };
  for (const Goldilocks& s : e.package.salt) {
    ByteWriter w;
    w.u64(s.value());
    EXPECT_FALSE(contains(w.bytes()));
  }
  for (const auto& node : e.package.model.nodes) {
    if (const auto* g = std::get_if<model::QGemm>(&node.op)) {
      for (std::int32_t b : g->bias) {
        if (b > -(1 << 16) && b < (1 << 16)) continue;  // short values occur by chance
        ByteWriter w;
        w.u32(static_cast<std::uint32_t>(b));
        EXPECT_FALSE(contains(w.bytes())) << b;
      }
    }
  }
}

// DESIGN §1: at least 100 bits for the whole proof, by the calculator.
// Three inputs in one proof: the disclosed output is the concatenation of
// the reference executor's outputs, in input order, and the batch size,
// the order and each output are bound.
TEST(Inference, ProvesABatchInOneProof) {
  const Example& e = lenet();
  const model::Graph graph = example_graph("fashion_mnist/lenet.onnx");
  std::vector<ops::IntTensor> inputs;
  std::vector<std::int32_t> expected;
  for (const char* file :
       {"fashion_mnist/input_0.json", "fashion_mnist/input_1.json", "fashion_mnist/input_2.json"}) {
    inputs.push_back(model::quantize_input(e.package.model, example_input(graph, file)));
    const auto y =
        model::execute_quantized(e.package.model, inputs.back()).output(e.package.model).values;
    expected.insert(expected.end(), y.begin(), y.end());
  }
  const ProveResult result = prove_inference(e.package, inputs);
  EXPECT_EQ(result.proof.statement.batch, 3u);
  EXPECT_EQ(result.proof.statement.output, expected);
  const Verdict v = verify_bytes(e.card, serialize_proof(result.proof));
  EXPECT_TRUE(v.accepted) << v.reason;

  InferenceProof fewer = result.proof;
  fewer.statement.batch = 2;
  EXPECT_FALSE(verify_inference(e.card, fewer).accepted);
  InferenceProof swapped = result.proof;
  std::swap_ranges(swapped.statement.output.begin(), swapped.statement.output.begin() + 10,
                   swapped.statement.output.begin() + 10);
  EXPECT_FALSE(verify_inference(e.card, swapped).accepted);
  InferenceProof changed = result.proof;
  changed.statement.output.back() += 1;
  EXPECT_FALSE(verify_inference(e.card, changed).accepted);
}

TEST(Inference, SoundnessOfTheExampleShapesIsAtLeast100Bits) {
  for (const char* onnx :
       {"breast_cancer/mlp.onnx", "fashion_mnist/mlp.onnx", "fashion_mnist/lenet.onnx"}) {
    const Example e =
        load(onnx, std::string(onnx).starts_with("breast") ? "breast_cancer/input_0.json"
                                                           : "fashion_mnist/input_0.json");
    const InferenceCircuit circuit(e.card.architecture);
    const auto terms = circuit.soundness(pcs::Ligero{});
    ASSERT_EQ(terms.back().component, "total (union bound)");
    for (const auto& t : terms) EXPECT_GT(t.error, 0) << t.component;
    EXPECT_GE(-std::log2(terms.back().error), 100.0) << onnx;
    std::printf("%s: %.1f bits in all\n", onnx, -std::log2(terms.back().error));
  }
}

TEST(Inference, AnUnprovableLayerIsRefusedNamingItsNode) {
  // A requant shift the executor accepts (at most 62) but the requant proof
  // cannot cover with 16-bit range checks (above 45: 2^s * (q + z - y) could
  // wrap modulo p).
  Example e = lenet();
  model::QuantizedModel& m = e.package.model;
  for (model::QNode& node : m.nodes) {
    auto* conv = std::get_if<model::QConv>(&node.op);
    if (conv == nullptr) continue;
    node.name = "deep_shift";
    for (ops::Requant& r : conv->params.quant.rescale.requants) r.shift = 50;
    break;
  }
  m.validate();
  try {
    prove_inference(e.package, e.input);
    ADD_FAILURE() << "a shift of 50 was proven";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("node 'deep_shift' (Conv)"), std::string::npos)
        << err.what();
    EXPECT_NE(std::string(err.what()).find("above the provable maximum 45"), std::string::npos)
        << err.what();
  }
}

}  // namespace
}  // namespace zkinfer::proof
