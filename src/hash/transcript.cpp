// SPDX-License-Identifier: Apache-2.0
#include "hash/transcript.hpp"

#include <bit>
#include <string_view>
#include <unordered_set>

namespace zkinfer::hash {
namespace {

constexpr std::string_view kAbsorbDomain = "zkinfer-fs-absorb";
constexpr std::string_view kSqueezeDomain = "zkinfer-fs-squeeze";
constexpr std::string_view kRatchetDomain = "zkinfer-fs-ratchet";
constexpr std::string_view kStatementLabel = "statement";
constexpr std::string_view kParametersLabel = "parameters";

ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Length-prefixed label: no label is a prefix of another's encoding.
void frame_label(Sha256& h, std::string_view label) {
  h.update(le_bytes<4>(label.size())).update(as_bytes(label));
}

const char* op_name(TranscriptSchema::Op op) {
  return op == TranscriptSchema::Op::kAbsorb ? "absorb" : "squeeze";
}

}  // namespace

TranscriptSchema::TranscriptSchema(std::string protocol) : protocol_(std::move(protocol)) {
  absorb(std::string(kStatementLabel), ValueType::bytes());
  absorb(std::string(kParametersLabel), ValueType::bytes());
}

TranscriptSchema& TranscriptSchema::absorb(std::string label, ValueType type) {
  steps_.push_back({Op::kAbsorb, std::move(label), type});
  return *this;
}

TranscriptSchema& TranscriptSchema::squeeze(std::string label, ValueType type) {
  steps_.push_back({Op::kSqueeze, std::move(label), type});
  return *this;
}

TranscriptSchema& TranscriptSchema::append(const TranscriptSchema& sub, const std::string& prefix) {
  // The sub-schema's own statement/parameter steps are the caller's to absorb.
  for (std::size_t i = 2; i < sub.steps_.size(); ++i) {
    const Step& step = sub.steps_[i];
    steps_.push_back({step.op, prefix + step.label, step.type});
  }
  return *this;
}

Transcript::Transcript(const TranscriptSchema& schema, ByteSpan statement, ByteSpan parameters,
                       bool record)
    : schema_(schema), recording_(record) {
  Sha256 h;
  h.update(as_bytes("zkinfer-fs-init"));
  frame_label(h, schema_.protocol());
  state_ = h.finalize();
  absorb_bytes(std::string(kStatementLabel), statement);
  absorb_bytes(std::string(kParametersLabel), parameters);
}

void Transcript::expect_step(TranscriptSchema::Op op, const std::string& label, ValueType type) {
  const auto& steps = schema_.steps();
  if (next_step_ >= steps.size()) {
    throw SchemaViolation(std::string("transcript: ") + op_name(op) + " '" + label +
                          "' after the end of schema '" + schema_.protocol() + "'");
  }
  const TranscriptSchema::Step& want = steps[next_step_];
  if (want.op != op || want.label != label || !(want.type == type)) {
    throw SchemaViolation(std::string("transcript: step ") + std::to_string(next_step_) + " of '" +
                          schema_.protocol() + "' is " + op_name(want.op) + " '" + want.label +
                          "', got " + op_name(op) + " '" + label + "'");
  }
  ++next_step_;
}

void Transcript::record(TranscriptSchema::Op op, const std::string& label, ValueType type,
                        std::size_t payload_bytes) {
  if (recording_) events_.push_back({op, label, type, payload_bytes});
}

void Transcript::absorb_typed(const std::string& label, ValueType type, ByteSpan data) {
  expect_step(TranscriptSchema::Op::kAbsorb, label, type);
  Sha256 h;
  h.update(as_bytes(kAbsorbDomain)).update(state_.bytes);
  const std::array<std::uint8_t, 3> header{static_cast<std::uint8_t>(TranscriptSchema::Op::kAbsorb),
                                           type.kind, type.width};
  h.update(header);
  frame_label(h, label);
  h.update(le_bytes<8>(data.size())).update(data);
  state_ = h.finalize();
  record(TranscriptSchema::Op::kAbsorb, label, type, data.size());
}

void Transcript::absorb_bytes(const std::string& label, ByteSpan data) {
  absorb_typed(label, ValueType::bytes(), data);
}

void Transcript::absorb_u64(const std::string& label, std::uint64_t value) {
  absorb_typed(label, ValueType::u64(), le_bytes<8>(value));
}

void Transcript::absorb_digest(const std::string& label, const Digest& digest) {
  absorb_typed(label, ValueType::digest(), digest.bytes);
}

std::uint64_t Transcript::SqueezeStream::next() {
  if (word_ == 4) {
    Sha256 h;
    h.update(seed_.bytes).update(le_bytes<8>(block_++));
    current_ = h.finalize();
    word_ = 0;
  }
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<std::uint64_t>(current_.bytes[word_ * 8 + i]) << (8 * i);
  ++word_;
  ++words_used_;
  return v;
}

Transcript::SqueezeStream Transcript::begin_squeeze(const std::string& label, ValueType type) {
  expect_step(TranscriptSchema::Op::kSqueeze, label, type);
  Sha256 h;
  h.update(as_bytes(kSqueezeDomain)).update(state_.bytes);
  const std::array<std::uint8_t, 2> header{type.kind, type.width};
  h.update(header);
  frame_label(h, label);
  SqueezeStream stream;
  stream.seed_ = h.finalize();
  record(TranscriptSchema::Op::kSqueeze, label, type, 0);
  return stream;
}

void Transcript::end_squeeze(const SqueezeStream& stream) {
  Sha256 h;
  h.update(as_bytes(kRatchetDomain)).update(state_.bytes).update(stream.seed_.bytes);
  h.update(le_bytes<8>(stream.words_used_));
  state_ = h.finalize();
  if (recording_) events_.back().payload_bytes = stream.words_used_ * 8;
}

std::vector<std::size_t> Transcript::query_indices(const std::string& label, std::size_t count,
                                                   std::size_t domain_size) {
  if (count > domain_size) {
    throw SchemaViolation("transcript: more distinct query indices than the domain holds");
  }
  SqueezeStream stream = begin_squeeze(label, ValueType::indices());
  const std::uint64_t mask =
      domain_size <= 1 ? 0 : (std::uint64_t{1} << std::bit_width(domain_size - 1)) - 1;
  std::vector<std::size_t> out;
  out.reserve(count);
  std::unordered_set<std::size_t> seen;
  while (out.size() < count) {
    const std::uint64_t candidate = stream.next() & mask;
    if (candidate >= domain_size || !seen.insert(candidate).second) continue;
    out.push_back(static_cast<std::size_t>(candidate));
  }
  end_squeeze(stream);
  return out;
}

void Transcript::finish() const {
  if (next_step_ != schema_.steps().size()) {
    throw SchemaViolation("transcript: schema '" + schema_.protocol() + "' stopped at step " +
                          std::to_string(next_step_) + " of " +
                          std::to_string(schema_.steps().size()));
  }
}

}  // namespace zkinfer::hash
