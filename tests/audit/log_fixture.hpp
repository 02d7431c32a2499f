// SPDX-License-Identifier: Apache-2.0
//
// Shared fixture of the transparency-log and receipt tests: a TransparencyLog
// over the store of StoreTest (so every test runs on SQLite and PostgreSQL),
// deterministic keys, and a witness with its state in a temporary directory.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "audit/log.hpp"
#include "audit/witness.hpp"
#include "store_fixture.hpp"
#include "support/temp_dir.hpp"

namespace zkinfer::audit::testing {

inline NoteSignerKey test_key(std::string name, NoteKeyType type, std::uint8_t seed) {
  std::array<std::uint8_t, 32> bytes{};
  bytes.fill(seed);
  return {std::move(name), type, Ed25519PrivateKey::from_seed(bytes)};
}

inline const std::string kOrigin = "example.com/zkinfer-log";

class LogTest : public StoreTest {
 protected:
  const NoteSignerKey log_key_ = test_key(kOrigin, NoteKeyType::kEd25519, 1);
  const NoteSignerKey witness_key_ = test_key("witness.example", NoteKeyType::kCosignatureV1, 2);
  zkinfer::testing::TempDir dir_;

  std::unique_ptr<TransparencyLog> make_log(std::vector<NoteVerifierKey> witnesses = {},
                                            StoreOptions options = {}) {
    return std::make_unique<TransparencyLog>(create(options), log_key_.verifier(), log_key_,
                                             std::move(witnesses));
  }

  Witness make_witness() const {
    return Witness(witness_key_, {log_key_.verifier()}, dir_.path() / "witness-state");
  }

  // Appends n entries (signer "entry-<i>") through the log.
  void append(TransparencyLog& log, std::size_t n, std::uint64_t seed = 1) {
    for (std::size_t i = 0; i < n; ++i)
      log.append(make_entry("entry-" + std::to_string(i), seed + i));
  }

  // Checkpoint, cosigned by `witness`, published.
  void cosigned_checkpoint(TransparencyLog& log, Witness& witness) {
    log.checkpoint();
    const AddCheckpointRequest request = log.witness_request(log.size());
    const NoteSignature cosignature = witness.add_checkpoint(request, 1767225600);
    ASSERT_TRUE(log.add_cosignature(log.size(), format_signature_line(cosignature)));
  }

  LogAudit audit(std::vector<NoteVerifierKey> witnesses = {}) const {
    return audit_log(*open(), log_key_.verifier(), witnesses);
  }
};

inline std::string problems_text(const std::vector<std::string>& problems) {
  std::string out;
  for (const std::string& p : problems) out += "  " + p + "\n";
  return out;
}

inline bool mentions(const std::vector<std::string>& problems, const std::string& fragment) {
  for (const std::string& p : problems) {
    if (p.find(fragment) != std::string::npos) return true;
  }
  return false;
}

}  // namespace zkinfer::audit::testing
