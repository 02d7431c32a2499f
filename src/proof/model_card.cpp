// SPDX-License-Identifier: Apache-2.0
#include "proof/model_card.hpp"

#include <nlohmann/json.hpp>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/hex.hpp"

namespace zkinfer::proof {
namespace {

using field::Goldilocks;

constexpr std::uint32_t kPackageMagic = 0x504d4b5a;  // "ZKMP"
constexpr char kCardFormat[] = "zkinfer-model-card";
// Cards and packages are small; anything larger is not one of ours.
constexpr std::size_t kMaxPackageBytes = std::size_t{1} << 31;
constexpr std::size_t kMaxCardBytes = std::size_t{1} << 26;

template <class Op>
void append_parameters(const Op& op, bool with_values, ModelMessage& message) {
  const hash::ValueKind weight_kind = op.weight_type == model::WeightType::kUInt8
                                          ? hash::ValueKind::kUint8
                                          : hash::ValueKind::kInt8;
  message.segments.push_back({weight_kind, op.weights.values.size()});
  message.segments.push_back({hash::ValueKind::kInt32, op.bias.size()});
  if (!with_values) return;
  message.values.insert(message.values.end(), op.weights.values.begin(), op.weights.values.end());
  message.values.insert(message.values.end(), op.bias.begin(), op.bias.end());
}

void write_salt(ByteWriter& w, const hash::CommitmentSalt& salt) {
  for (const Goldilocks& s : salt) w.u64(s.value());
}

Goldilocks read_canonical(ByteReader& r, const char* what) {
  const std::uint64_t v = r.u64(what);
  if (v >= Goldilocks::kModulus) fail(std::string(what) + ": not a canonical field element");
  return Goldilocks::from_u64(v);
}

}  // namespace

std::vector<Goldilocks> arch_prefix(const hash::Digest& arch_digest) {
  std::vector<Goldilocks> out;
  for (std::size_t i = 0; i < arch_digest.bytes.size(); i += 4) {
    std::uint64_t limb = 0;
    for (std::size_t b = 0; b < 4; ++b)
      limb |= static_cast<std::uint64_t>(arch_digest.bytes[i + b]) << (8 * b);
    out.push_back(Goldilocks::from_u64(limb));
  }
  return out;
}

ModelMessage model_message(const model::QuantizedModel& model, bool with_values) {
  ModelMessage message;
  for (const model::QNode& node : model.nodes) {
    if (const auto* g = std::get_if<model::QGemm>(&node.op))
      append_parameters(*g, with_values, message);
    if (const auto* c = std::get_if<model::QConv>(&node.op))
      append_parameters(*c, with_values, message);
  }
  return message;
}

hash::Poseidon2Digest compute_model_id(const model::QuantizedModel& model,
                                       const hash::CommitmentSalt& salt) {
  const ModelMessage message = model_message(model, true);
  return hash::commitment(hash::kModelCommitmentTag, salt,
                          arch_prefix(model::architecture_digest(model)), message.segments,
                          message.values);
}

Bytes serialize_package(const ModelPackage& package) {
  const Bytes model = model::serialize(package.model);
  ByteWriter w;
  w.header(kPackageMagic, kModelFormatVersion);
  write_salt(w, package.salt);
  w.blob(model);
  return w.take();
}

ModelPackage parse_package(ByteSpan bytes) {
  ByteReader r(bytes);
  r.header(kPackageMagic, kModelFormatVersion, "model package");
  ModelPackage package;
  for (Goldilocks& s : package.salt) s = read_canonical(r, "model salt");
  package.model = model::parse_quantized_model(r.blob("model"));
  r.expect_end("model package");
  return package;
}

void write_package(const std::string& path, const ModelPackage& package) {
  write_file_atomic(path, serialize_package(package), 0600);
}

ModelPackage read_package(const std::string& path) {
  try {
    return parse_package(read_file(path, kMaxPackageBytes));
  } catch (const Error& e) {
    fail(path + ": " + e.what());
  }
}

ModelCard make_card(const ModelPackage& package) {
  ModelCard card;
  card.model_id = compute_model_id(package.model, package.salt);
  const Bytes arch = model::serialize_architecture(package.model);
  card.architecture = model::parse_architecture_bytes(arch);
  card.arch_digest = hash::sha256(arch);
  return card;
}

std::string digest_hex(const hash::Poseidon2Digest& digest) {
  ByteWriter w;
  for (const Goldilocks& e : digest) w.u64(e.value());
  return hex_encode(w.take());
}

hash::Poseidon2Digest parse_digest_hex(const std::string& text, const char* what) {
  const Bytes bytes = hex_decode(text, what);
  if (bytes.size() != 8 * hash::kPoseidon2DigestElements)
    fail(std::string(what) + ": expected " + std::to_string(16 * hash::kPoseidon2DigestElements) +
         " hex digits");
  ByteReader r(bytes);
  hash::Poseidon2Digest digest{};
  for (Goldilocks& e : digest) e = read_canonical(r, what);
  return digest;
}

std::string card_json(const ModelCard& card) {
  nlohmann::ordered_json j;
  j["format"] = kCardFormat;
  j["version"] = kModelFormatVersion;
  j["model_id"] = digest_hex(card.model_id);
  j["architecture_sha256"] = hash::to_hex(card.arch_digest);
  j["architecture"] = hex_encode(model::serialize_architecture(card.architecture));
  j["description"] = nlohmann::json::parse(model::describe_json(card.architecture));
  return j.dump(1) + "\n";
}

ModelCard parse_card(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("model card: not JSON (") + e.what() + ")");
  }
  const char* keys[] = {"format",       "version",    "model_id", "architecture_sha256",
                        "architecture", "description"};
  if (!j.is_object() || j.size() != std::size(keys))
    fail(
        "model card: expected an object with exactly the keys format, version, model_id, "
        "architecture_sha256, architecture, description");
  for (const char* key : keys)
    if (!j.contains(key)) fail(std::string("model card: missing \"") + key + "\"");
  const auto string_field = [&](const char* key) {
    if (!j[key].is_string()) fail(std::string("model card: \"") + key + "\" must be a string");
    return j[key].get<std::string>();
  };
  if (string_field("format") != kCardFormat) fail("model card: not a zkinfer model card");
  if (!j["version"].is_number_unsigned() ||
      j["version"].get<std::uint64_t>() != kModelFormatVersion)
    fail("model card: unsupported version (expected " + std::to_string(kModelFormatVersion) + ")");
  ModelCard card;
  card.model_id = parse_digest_hex(string_field("model_id"), "model card: model_id");
  const Bytes arch = hex_decode(string_field("architecture"), "model card: architecture");
  card.arch_digest = hash::sha256(arch);
  if (hash::to_hex(card.arch_digest) != string_field("architecture_sha256"))
    fail("model card: architecture_sha256 does not match the architecture");
  try {
    card.architecture = model::parse_architecture_bytes(arch);
  } catch (const Error& e) {
    fail(std::string("model card: architecture: ") + e.what());
  }
  if (j["description"] != nlohmann::json::parse(model::describe_json(card.architecture)))
    fail("model card: description does not match the architecture");
  return card;
}

void write_card(const std::string& path, const ModelCard& card) {
  const std::string text = card_json(card);
  write_file_atomic(path,
                    ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

ModelCard read_card(const std::string& path) {
  const Bytes bytes = read_file(path, kMaxCardBytes);
  try {
    return parse_card(std::string(bytes.begin(), bytes.end()));
  } catch (const Error& e) {
    fail(path + ": " + e.what());
  }
}

}  // namespace zkinfer::proof
