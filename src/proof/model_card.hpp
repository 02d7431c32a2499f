// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "hash/commitment.hpp"
#include "model/quantized_model.hpp"

// What a model owner keeps (the private package) and what a regulator
// certifies (the public model card), and the commitment that ties them:
//
//   model_id = hash::commitment(kModelCommitmentTag, salt_m,
//                               arch_prefix(architecture digest), weights)
//
// (DESIGN §1). It depends on the quantized model and the salt only, never
// on proof-system parameters, so a prover upgrade does not change it.
namespace zkinfer::proof {

// Version of the package and card formats and of the commitment's message
// layout (model_message); a change of the layout is a new version.
inline constexpr std::uint32_t kModelFormatVersion = 1;

inline constexpr std::size_t kArchPrefixElements = 8;

// The SHA-256 architecture digest as kArchPrefixElements field elements (32-bit little-endian
// limbs, each below p, so the encoding is injective).
std::vector<field::Goldilocks> arch_prefix(const hash::Digest& arch_digest);

// The committed message of a model: for every node with parameters, in node
// order, its weights (int8 or uint8, as the model declares) and then its
// biases (int32), as public segments
// and the values in the same order.
struct ModelMessage {
  std::vector<hash::MessageSegment> segments;
  std::vector<std::int64_t> values;  // empty when built from the architecture only
};
ModelMessage model_message(const model::QuantizedModel& model, bool with_values);

hash::Poseidon2Digest compute_model_id(const model::QuantizedModel& model,
                                       const hash::CommitmentSalt& salt);

// The private package (`zkinfer commit -o model.zkm`): the quantized model
// and its salt. Whoever holds it can open model_id: keep it like a key.
struct ModelPackage {
  model::QuantizedModel model;
  hash::CommitmentSalt salt{};
};
Bytes serialize_package(const ModelPackage& package);
ModelPackage parse_package(ByteSpan bytes);  // strict; Error naming the problem
void write_package(const std::string& path, const ModelPackage& package);  // atomic, mode 0600
ModelPackage read_package(const std::string& path);

// The public model card: model_id, the architecture (no weights) and its
// digest. The architecture is what the verifier builds the proof's layout
// from, so it travels in full (hex of the canonical architecture bytes); a
// readable description rides along for people and is checked against it.
struct ModelCard {
  hash::Poseidon2Digest model_id{};
  model::QuantizedModel architecture;  // weights and biases zero
  hash::Digest arch_digest;
};
ModelCard make_card(const ModelPackage& package);
std::string card_json(const ModelCard& card);
// Strict: exact keys, format name and version, the digest recomputed from
// the architecture bytes, the description equal to the one they give.
ModelCard parse_card(const std::string& json);
void write_card(const std::string& path, const ModelCard& card);
ModelCard read_card(const std::string& path);

// Canonical text of a model_id / input commitment: 4 elements, each as 16
// hex digits of its little-endian bytes (64 hex digits in all).
std::string digest_hex(const hash::Poseidon2Digest& digest);
hash::Poseidon2Digest parse_digest_hex(const std::string& text, const char* what);

}  // namespace zkinfer::proof
