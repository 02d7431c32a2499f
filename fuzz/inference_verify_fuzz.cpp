// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: parse and verify a proof of inference (the ZKPF file:
// statement, commitment, operator / sponge / lookup sub-proofs, ZK-Ligero)
// against the breast-cancer example model's card. Invariants: no crash or
// undefined behaviour on any input, and no proof other than the honest one
// is accepted. The honest proof is drawn once per process (its pads come
// from the OS CSPRNG), so an XOR-mask reproducer replays against a fresh
// proof; parse-mode inputs (first byte even) reproduce exactly.
#include <filesystem>

#include "fuzz_input.hpp"
#include "model/int_executor.hpp"
#include "model/onnx_import.hpp"
#include "model/quantize.hpp"
#include "proof/inference.hpp"
#include "proof/input.hpp"
#include "support/examples.hpp"

namespace {

using zkinfer::Bytes;
namespace proof = zkinfer::proof;
namespace model = zkinfer::model;

struct Fixture {
  proof::ModelCard card;
  Bytes honest;

  Fixture() {
    const model::Graph graph =
        model::import_onnx_file(zkinfer::testing::example_path("breast_cancer/mlp.onnx"));
    const model::Tensor x =
        proof::read_tensor_json(zkinfer::testing::example_path("breast_cancer/input_0.json"));
    const proof::ModelPackage package{model::quantize(graph, std::vector{x}),
                                      zkinfer::hash::draw_commitment_salt()};
    card = proof::make_card(package);
    honest = proof::serialize_proof(
        proof::prove_inference(package, model::quantize_input(package.model, x)).proof);
  }

  bool verify(const Bytes& bytes) const {
    return proof::verify_inference(card, proof::parse_proof(bytes)).accepted;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  return zkinfer::fuzzing::check_verifier(fixture, data, size);
}
