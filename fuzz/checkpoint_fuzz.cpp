// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: parse arbitrary bytes as a signed checkpoint (C2SP signed
// note) and verify it against a fixed log key and witness key; the same bytes
// also go through the witness request parser (and its sizes and proof through
// the consistency verifier) and the verifier-key parser.
// Invariants: no crash, no exception other than zkinfer::Error, and nothing
// but the honest checkpoint and cosignature time is ever accepted.
#include <array>
#include <string_view>

#include "audit/note.hpp"
#include "audit/rfc9162.hpp"
#include "audit/witness.hpp"
#include "fuzz_input.hpp"

namespace {

namespace audit = zkinfer::audit;
using zkinfer::Bytes;

constexpr std::uint64_t kCosignedAt = 1700000000;

audit::NoteSignerKey fixed_key(const char* name, audit::NoteKeyType type, std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed;
  seed.fill(fill);
  return {name, type, audit::Ed25519PrivateKey::from_seed(seed)};
}

struct Fixture {
  audit::NoteSignerKey log = fixed_key("log.example/fuzz", audit::NoteKeyType::kEd25519, 1);
  audit::NoteSignerKey witness =
      fixed_key("witness.example/fuzz", audit::NoteKeyType::kCosignatureV1, 2);
  audit::Checkpoint checkpoint{
      log.name, 1234567, zkinfer::hash::sha256(Bytes{1, 2, 3}), {"extension line"}};
  Bytes honest;

  Fixture() {
    const std::string signed_checkpoint = audit::sign_checkpoint(checkpoint, log);
    const std::string text = audit::format_checkpoint(checkpoint);
    const std::string note = signed_checkpoint + audit::format_signature_line(audit::cosign_note(
                                                     text, witness, kCosignedAt));
    honest.assign(note.begin(), note.end());
  }

  void check(std::string_view message) const {
    const std::array witnesses = {witness.verifier()};
    const audit::OpenedCheckpoint opened =
        audit::open_checkpoint(message, log.verifier(), witnesses);
    if (opened.checkpoint != checkpoint) std::abort();
    for (const auto& cosignature : opened.cosignatures) {
      if (cosignature.timestamp != kCosignedAt) std::abort();
    }
  }
};

template <class Step>
void expect_only_errors(const Step& step) {
  try {
    step();
  } catch (const zkinfer::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  const Bytes candidate = zkinfer::fuzzing::candidate_proof(data, size, fixture.honest);
  const std::string_view message(reinterpret_cast<const char*>(candidate.data()), candidate.size());
  expect_only_errors([&] { fixture.check(message); });
  expect_only_errors([&] {
    // Arbitrary sizes and proof hashes through the consistency verifier.
    const audit::AddCheckpointRequest request = audit::parse_add_checkpoint_request(message);
    const audit::Checkpoint claimed =
        audit::parse_checkpoint(audit::parse_note(request.checkpoint).text);
    audit::verify_consistency(request.old_size, claimed.size, request.consistency_proof,
                              fixture.checkpoint.root, claimed.root);
  });
  expect_only_errors([&] { audit::parse_verifier_key(message); });
  return 0;
}
