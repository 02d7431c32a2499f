// SPDX-License-Identifier: Apache-2.0
#include "audit/witness.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "support/rng.hpp"
#include "support/temp_dir.hpp"

namespace zkinfer::audit {
namespace {

using testing::TempDir;
using testing::TestRng;

// A log with a fixed sequence of leaves; checkpoints of any prefix.
struct TestLog {
  explicit TestLog(std::string origin, std::uint64_t seed = 1, std::size_t n = 64)
      : key{std::move(origin), NoteKeyType::kEd25519, Ed25519PrivateKey::generate()} {
    TestRng rng(seed);
    for (std::size_t i = 0; i < n; ++i) {
      Digest leaf;
      for (auto& b : leaf.bytes) b = static_cast<std::uint8_t>(rng());
      tree.append(leaf);
    }
  }
  std::string checkpoint(std::uint64_t size) const {
    return sign_checkpoint({key.name, size, root_hash(tree, size), {}}, key);
  }
  AddCheckpointRequest request(std::uint64_t old_size, std::uint64_t size) const {
    return {old_size, consistency_proof(tree, old_size, size), checkpoint(size)};
  }

  NoteSignerKey key;
  MemoryTree tree;
};

struct WitnessSetup {
  TempDir dir;
  TestLog log{"log.example/audit"};
  NoteSignerKey key{"witness.example/w1", NoteKeyType::kCosignatureV1,
                    Ed25519PrivateKey::generate()};
  Witness witness{key, {log.key.verifier()}, dir.path() / "witness.state"};

  std::string state() const {
    const Bytes bytes = read_file(dir.path() / "witness.state", 1 << 20);
    return std::string(bytes.begin(), bytes.end());
  }
  // The checkpoint with the cosignature attached, opened as a client would.
  OpenedCheckpoint cosigned(const AddCheckpointRequest& request,
                            const NoteSignature& cosignature) const {
    const std::string note = attach_cosignatures(
        request.checkpoint, format_signature_line(cosignature), std::vector{key.verifier()});
    return open_checkpoint(note, log.key.verifier(), std::vector{key.verifier()});
  }
};

TEST(Witness, CosignsAGrowingLog) {
  WitnessSetup s;
  std::uint64_t previous = 0;
  for (std::uint64_t size : {1, 5, 5, 8, 9, 40, 64}) {
    const AddCheckpointRequest request = s.log.request(previous, size);
    const NoteSignature cosignature = s.witness.add_checkpoint(request, 1700000000 + size);
    const OpenedCheckpoint opened = s.cosigned(request, cosignature);
    ASSERT_EQ(opened.cosignatures.size(), 1u);
    EXPECT_EQ(opened.cosignatures[0].timestamp, 1700000000 + size);
    EXPECT_EQ(opened.checkpoint.size, size);
    const auto latest = s.witness.latest(s.log.key.name);
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->size, size);
    EXPECT_EQ(latest->root, root_hash(s.log.tree, size));
    previous = size;
  }
  // The state survives in the file: a new witness process picks it up.
  const Witness restarted(s.key, {s.log.key.verifier()}, s.dir.path() / "witness.state");
  EXPECT_EQ(restarted.latest(s.log.key.name)->size, 64u);
  EXPECT_FALSE(restarted.latest("other.example/log").has_value());
}

// A rejected request must leave the state exactly as it was.
void expect_rejected(WitnessSetup& s, const AddCheckpointRequest& request,
                     const std::string& reason) {
  const std::string before = s.state();
  try {
    s.witness.add_checkpoint(request, 1);
    ADD_FAILURE() << "accepted; expected: " << reason;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.state(), before);
}

TEST(Witness, RejectsRollback) {
  WitnessSetup s;
  s.witness.add_checkpoint(s.log.request(0, 20), 1);
  // An older checkpoint, offered from the witness's size ...
  expect_rejected(s, {20, {}, s.log.checkpoint(10)}, "old size 20 exceeds the checkpoint size 10");
  // ... or from an older size.
  expect_rejected(s, s.log.request(5, 10), "conflict");
  expect_rejected(s, s.log.request(0, 10), "has size 20");
}

TEST(Witness, RejectsForks) {
  WitnessSetup s;
  s.witness.add_checkpoint(s.log.request(0, 20), 1);
  // The same log key signs another tree: same size, different root ...
  TestLog fork(s.log.key.name, 99);
  fork.key = s.log.key;
  expect_rejected(s, fork.request(20, 20), "fork");
  // ... or a larger tree that does not extend the witnessed one.
  expect_rejected(s, fork.request(20, 30), "recomputed old root differs");
  // The honest log still goes on.
  EXPECT_NO_THROW(s.witness.add_checkpoint(s.log.request(20, 30), 2));
}

TEST(Witness, RejectsBadProofs) {
  WitnessSetup s;
  s.witness.add_checkpoint(s.log.request(0, 13), 1);
  const AddCheckpointRequest good = s.log.request(13, 50);
  for (std::size_t i = 0; i < good.consistency_proof.size(); ++i) {
    AddCheckpointRequest bad = good;
    bad.consistency_proof[i].bytes[0] ^= 1;
    expect_rejected(s, bad, "consistency proof");
  }
  AddCheckpointRequest short_proof = good;
  short_proof.consistency_proof.pop_back();
  expect_rejected(s, short_proof, "hashes, expected");
  AddCheckpointRequest long_proof = good;
  long_proof.consistency_proof.push_back(good.consistency_proof[0]);
  expect_rejected(s, long_proof, "hashes, expected");
  // From size 0 the proof must be empty.
  WitnessSetup fresh;
  AddCheckpointRequest first = fresh.log.request(0, 10);
  first.consistency_proof.push_back(root_hash(fresh.log.tree, 3));
  EXPECT_THROW(fresh.witness.add_checkpoint(first, 1), Error);
  EXPECT_FALSE(fresh.witness.latest(fresh.log.key.name).has_value());
}

TEST(Witness, RejectsBadSignaturesAndUnknownLogs) {
  WitnessSetup s;
  s.witness.add_checkpoint(s.log.request(0, 10), 1);
  // Same origin, another key.
  TestLog impostor(s.log.key.name);
  expect_rejected(s, impostor.request(10, 20), "no valid signature from a known key");
  // A log the witness does not follow.
  const TestLog stranger("stranger.example/log");
  expect_rejected(s, stranger.request(0, 5), "unknown log origin");
  // A tampered checkpoint body.
  AddCheckpointRequest tampered = s.log.request(10, 20);
  tampered.checkpoint[tampered.checkpoint.find('\n') + 1] = '3';  // size 20 -> 30
  expect_rejected(s, tampered, "invalid signature");
  // Not a checkpoint at all.
  expect_rejected(s, {10, {}, "garbage"}, "signed note");
}

TEST(Witness, CorruptStateIsNeverSilentlyReset) {
  WitnessSetup s;
  s.witness.add_checkpoint(s.log.request(0, 10), 1);
  std::string state = s.state();
  state.resize(state.size() - 3);
  write_file_atomic(s.dir.path() / "witness.state", Bytes(state.begin(), state.end()));
  EXPECT_THROW(s.witness.add_checkpoint(s.log.request(0, 12), 1), Error);
  EXPECT_THROW(s.witness.add_checkpoint(s.log.request(10, 12), 1), Error);
  EXPECT_THROW(s.witness.latest(s.log.key.name), Error);
}

TEST(Witness, FollowsSeveralLogs) {
  WitnessSetup s;
  const TestLog second("second.example/log", 2);
  Witness witness(s.key, {s.log.key.verifier(), second.key.verifier()}, s.dir.path() / "two.state");
  witness.add_checkpoint(s.log.request(0, 7), 1);
  witness.add_checkpoint(second.request(0, 3), 1);
  witness.add_checkpoint(second.request(3, 9), 1);
  EXPECT_EQ(witness.latest(s.log.key.name)->size, 7u);
  EXPECT_EQ(witness.latest(second.key.name)->size, 9u);
  EXPECT_THROW(Witness(s.log.key, {}, s.dir.path() / "x.state"), Error);  // not a cosigner key
}

// Several witness processes share one state file; each repeatedly tries to
// advance the log from the size it last read to a random larger one. The
// accepted requests must form one chain (each starts where the previous one
// ended): two acceptances from the same size would let the state go back.
TEST(Witness, ConcurrentProcessesNeverRollBack) {
  WitnessSetup s;
  constexpr int kProcesses = 4;
  constexpr int kAttempts = 25;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      Witness witness(s.key, {s.log.key.verifier()}, s.dir.path() / "witness.state");
      TestRng rng(100 + p);
      for (int attempt = 0; attempt < kAttempts; ++attempt) {
        const auto latest = witness.latest(s.log.key.name);
        const std::uint64_t from = latest ? latest->size : 0;
        if (from == 64) break;
        const std::uint64_t to = from + 1 + rng.below(std::min<std::uint64_t>(3, 64 - from));
        try {
          witness.add_checkpoint(s.log.request(from, to), 1);
          char line[64];
          const int n =
              std::snprintf(line, sizeof line, "%llu %llu\n", static_cast<unsigned long long>(from),
                            static_cast<unsigned long long>(to));
          if (::write(fds[1], line, static_cast<std::size_t>(n)) != n) ::_exit(2);
        } catch (const Error&) {
          // lost a race: another process advanced the log first
        }
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  ::close(fds[1]);
  std::string output;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;)
    output.append(buffer, static_cast<std::size_t>(n));
  ::close(fds[0]);
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> accepted;
  unsigned long long from, to;
  int consumed;
  for (const char* p = output.c_str(); std::sscanf(p, "%llu %llu\n%n", &from, &to, &consumed) == 2;
       p += consumed)
    accepted.emplace_back(from, to);
  ASSERT_GE(accepted.size(), 10u);
  std::sort(accepted.begin(), accepted.end());
  EXPECT_EQ(accepted.front().first, 0u);
  for (std::size_t i = 1; i < accepted.size(); ++i)
    EXPECT_EQ(accepted[i].first, accepted[i - 1].second);
  EXPECT_EQ(s.witness.latest(s.log.key.name)->size, accepted.back().second);
}

TEST(AddCheckpointRequest, RoundTripAndStrictParsing) {
  const TestLog log("log.example/audit");
  const AddCheckpointRequest request = log.request(13, 50);
  const std::string body = format_add_checkpoint_request(request);
  EXPECT_TRUE(body.starts_with("old 13\n"));
  const AddCheckpointRequest parsed = parse_add_checkpoint_request(body);
  EXPECT_EQ(parsed.old_size, 13u);
  EXPECT_EQ(parsed.consistency_proof, request.consistency_proof);
  EXPECT_EQ(parsed.checkpoint, request.checkpoint);
  const std::string proof_line = body.substr(7, body.find('\n', 7) - 7 + 1);
  for (const std::string& bad : {
           std::string("old 13\n") + request.checkpoint,  // no blank line
           "old 013\n\n" + request.checkpoint,            // leading zero
           "new 13\n\n" + request.checkpoint,             // wrong keyword
           "old  13\n\n" + request.checkpoint,            //
           "old 13\nAAAA\n\n" + request.checkpoint,       // not a 32-byte hash
           "\n" + request.checkpoint,                     // no old line
       })
    EXPECT_THROW(parse_add_checkpoint_request(bad), Error) << bad;
  std::string many = "old 13\n";
  for (int i = 0; i < 64; ++i) many += proof_line;
  EXPECT_THROW(parse_add_checkpoint_request(many + "\n" + request.checkpoint), Error);
}

TEST(AttachCosignatures, KeepsOnlyValidKnownCosignatures) {
  WitnessSetup s;
  const AddCheckpointRequest request = s.log.request(0, 9);
  const NoteSignature cosignature = s.witness.add_checkpoint(request, 77);
  const std::vector<NoteVerifierKey> witnesses = {s.key.verifier()};
  const NoteSignerKey other{"other.example/w", NoteKeyType::kCosignatureV1,
                            Ed25519PrivateKey::generate()};
  const std::string text = parse_note(request.checkpoint).text;
  const std::string response =
      format_signature_line(cosignature) + format_signature_line(cosign_note(text, other, 5));
  const std::string attached = attach_cosignatures(request.checkpoint, response, witnesses);
  EXPECT_EQ(parse_note(attached).signatures.size(), 2u);  // the log's and the known witness's
  // Attaching again replaces rather than duplicates.
  EXPECT_EQ(parse_note(attach_cosignatures(attached, response, witnesses)).signatures.size(), 2u);
  // A bad cosignature from a known witness is an error.
  NoteSignature bad = cosignature;
  bad.signature.back() ^= 1;
  EXPECT_THROW(attach_cosignatures(request.checkpoint, format_signature_line(bad), witnesses),
               Error);
}

}  // namespace
}  // namespace zkinfer::audit
