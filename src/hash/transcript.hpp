// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "field/concepts.hpp"
#include "hash/sha256.hpp"

namespace zkinfer::hash {

// What a transcript step carries. Part of every absorb's framing, so a field
// element can never be confused with a digest or raw bytes of the same length.
struct ValueType {
  std::uint8_t kind = 0;   // see Kind
  std::uint8_t width = 0;  // bytes per element (field) or 0
  enum Kind : std::uint8_t { kBytes = 1, kU64 = 2, kDigest = 3, kField = 4, kIndices = 5 };

  static constexpr ValueType bytes() { return {kBytes, 0}; }
  static constexpr ValueType u64() { return {kU64, 8}; }
  static constexpr ValueType digest() { return {kDigest, 32}; }
  static constexpr ValueType indices() { return {kIndices, 8}; }
  template <field::Field F>
  static constexpr ValueType field() {
    return {kField, static_cast<std::uint8_t>(F::kBytes)};
  }
  bool operator==(const ValueType&) const = default;
};

// The ordered list of absorbs and squeezes of one protocol, built once from
// the public parameters by a function both prover and verifier call. The
// transcript checks every operation against it, so the two sides cannot
// drift apart (the Plonky3 #2024 class of bug), and it insists that the
// statement and parameters come first.
class TranscriptSchema {
 public:
  enum class Op : std::uint8_t { kAbsorb = 1, kSqueeze = 2 };
  struct Step {
    Op op;
    std::string label;
    ValueType type;
  };

  // Every schema begins with the statement and the parameters.
  explicit TranscriptSchema(std::string protocol);

  TranscriptSchema& absorb(std::string label, ValueType type);
  TranscriptSchema& squeeze(std::string label, ValueType type);
  // Appends another schema's steps (a sub-protocol), prefixing its labels.
  TranscriptSchema& append(const TranscriptSchema& sub, const std::string& prefix);

  const std::string& protocol() const { return protocol_; }
  const std::vector<Step>& steps() const { return steps_; }

 private:
  std::string protocol_;
  std::vector<Step> steps_;
};

// Raised when the code driving a transcript departs from its schema: always
// a bug in prover or verifier code, never a property of the proof bytes.
class SchemaViolation : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Fiat-Shamir transcript over SHA-256.
//
// State: a 32-byte chaining value. An absorb replaces it with
//   SHA-256("zkinfer-fs-absorb" | state | op | type | len(label) | label | len(data) | data),
// lengths as little-endian u32/u64, so every message is framed by its type,
// label and length. A squeeze derives an output stream
//   SHA-256("zkinfer-fs-squeeze" | state | label | counter), counter = 0, 1, ...
// and then ratchets: state = SHA-256("zkinfer-fs-ratchet" | state | words used),
// so no two squeezes ever see the same state. Field challenges are drawn by
// rejection sampling from 64-bit words; query indices are uniform (rejection
// on a power-of-two mask) and without replacement.
class Transcript {
 public:
  struct Event {
    TranscriptSchema::Op op;
    std::string label;
    ValueType type;
    std::size_t payload_bytes;  // absorbed bytes, or squeezed words * 8
  };

  // Absorbs the protocol name, then `statement` and `parameters` (the first
  // two schema steps). With `record` set it keeps an Event per operation.
  Transcript(const TranscriptSchema& schema, ByteSpan statement, ByteSpan parameters,
             bool record = false);

  void absorb_bytes(const std::string& label, ByteSpan data);
  void absorb_u64(const std::string& label, std::uint64_t value);
  void absorb_digest(const std::string& label, const Digest& digest);
  template <field::Field F>
  void absorb(const std::string& label, const F& value) {
    absorb_field<F>(label, std::span<const F>(&value, 1));
  }
  template <field::Field F>
  void absorb_field(const std::string& label, std::span<const F> values) {
    ByteWriter w;
    for (const F& v : values) v.write(w);
    absorb_typed(label, ValueType::field<F>(), w.bytes());
  }

  template <field::Field F>
  F challenge(const std::string& label) {
    return challenges<F>(label, 1)[0];
  }
  template <field::Field F>
  std::vector<F> challenges(const std::string& label, std::size_t count) {
    SqueezeStream stream = begin_squeeze(label, ValueType::field<F>());
    std::vector<F> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) out.push_back(F::sample([&] { return stream.next(); }));
    end_squeeze(stream);
    return out;
  }
  // `count` distinct indices, uniform in [0, domain_size), in drawing order.
  std::vector<std::size_t> query_indices(const std::string& label, std::size_t count,
                                         std::size_t domain_size);

  // Fails with SchemaViolation unless every schema step was performed.
  void finish() const;

  const std::vector<Event>& events() const { return events_; }
  const Digest& state() const { return state_; }

 private:
  class SqueezeStream {
   public:
    std::uint64_t next();

   private:
    friend class Transcript;
    Digest seed_;
    std::uint64_t block_ = 0;
    std::size_t word_ = 4;
    Digest current_;
    std::uint64_t words_used_ = 0;
  };

  void absorb_typed(const std::string& label, ValueType type, ByteSpan data);
  void expect_step(TranscriptSchema::Op op, const std::string& label, ValueType type);
  SqueezeStream begin_squeeze(const std::string& label, ValueType type);
  void end_squeeze(const SqueezeStream& stream);
  void record(TranscriptSchema::Op op, const std::string& label, ValueType type,
              std::size_t payload_bytes);

  TranscriptSchema schema_;
  std::size_t next_step_ = 0;
  Digest state_;
  bool recording_;
  std::vector<Event> events_;
};

}  // namespace zkinfer::hash
