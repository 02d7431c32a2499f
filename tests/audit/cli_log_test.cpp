// SPDX-License-Identifier: Apache-2.0
//
// Drives the built `zkinfer` binary through the whole life of a log, on both
// backends: init, append, witness-gated checkpoint, proofs, receipts, tiles,
// audit, and the exit codes on tampering and on bad usage. The binary is the
// one of the same build tree (<build>/zkinfer beside <build>/tests/); the
// test is skipped if it has not been built.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

#include "base/atomic_file.hpp"
#include "log_fixture.hpp"
#include "support/cli.hpp"

namespace zkinfer::audit {
namespace {

using testing::make_entry;

using zkinfer::testing::CliRun;

class CliLogTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    const std::filesystem::path binary = zkinfer::testing::zkinfer_binary();
    if (!std::filesystem::exists(binary)) GTEST_SKIP() << binary << " is not built";
    location_ = is_postgres() ? std::vector<std::string>{"--pg", conninfo_, "--pg-schema", schema_}
                              : std::vector<std::string>{"--db", path_};
  }

  CliRun run(std::initializer_list<std::string> args, bool with_location = false) const {
    std::vector<std::string> argv;
    auto it = args.begin();
    for (std::size_t i = 0; i < 2 && it != args.end(); ++i, ++it) argv.push_back(*it);
    if (with_location) argv.insert(argv.end(), location_.begin(), location_.end());
    argv.insert(argv.end(), it, args.end());
    return zkinfer::testing::run_zkinfer(argv);
  }

  // `zkinfer <group> <command> <location> args...`, expecting exit code `expected`.
  CliRun expect(int expected, std::initializer_list<std::string> args, bool with_location = true) {
    const CliRun r = run(args, with_location);
    EXPECT_EQ(r.exit_code, expected) << r.output;
    return r;
  }

  std::string file(const std::string& name) const { return (dir_.path() / name).string(); }

  std::vector<std::string> location_;
  zkinfer::testing::TempDir dir_;
};
ZKINFER_STORE_TEST_SUITE(CliLogTest);

TEST_P(CliLogTest, WholeLifeOfALog) {
  const std::string key = file("log.key"), pub = file("log.key.pub");
  const std::string wkey = file("witness.key"), wpub = file("witness.key.pub");
  expect(0, {"log", "init", "--origin", "example.com/cli-log", "--key-out", key});
  expect(0, {"log", "keygen", "--name", "witness.example", "--key-out", wkey}, false);
  expect(2, {"log", "init", "--origin", "example.com/cli-log", "--key-out", key});

  std::vector<Bytes> bodies;
  for (int i = 0; i < 3; ++i) {
    bodies.push_back(serialize_entry(make_entry("cli-" + std::to_string(i), 10 + i)));
    const std::string entry = file("entry" + std::to_string(i) + ".json");
    write_file_atomic(entry, bodies.back());
    EXPECT_EQ(expect(0, {"log", "append", "--entry", entry}).output, std::to_string(i) + "\n");
  }
  EXPECT_EQ(expect(0, {"log", "get", "1"}).output,
            std::string(bodies[1].begin(), bodies[1].end()) + "\n");

  // Witness-gated checkpoint: not published until the witness cosigned.
  const std::string request = file("request"), response = file("response");
  expect(0, {"log", "checkpoint", "--key", key, "--witness", wpub, "--request-out", request});
  expect(2, {"receipt", "export", "1", "--key", key, "-o", file("early.json")});
  expect(0,
         {"log", "witness", "--state", file("wstate"), "--key", wkey, "--log-key", pub, request,
          "-o", response},
         false);
  EXPECT_NE(expect(0, {"log", "add-cosignature", "--log-key", pub, "--witness", wpub, "--size", "3",
                       "--response", response})
                .output.find("published"),
            std::string::npos);
  // The same request again: the witness has moved on to size 3 (old 0 conflicts).
  expect(1, {"log", "witness", "--state", file("wstate"), "--key", wkey, "--log-key", pub, request},
         false);

  EXPECT_NE(expect(0, {"log", "prove-inclusion", "1"}).output.find("\"tree_size\": 3"),
            std::string::npos);
  expect(0, {"log", "prove-consistency", "1", "3"});
  expect(2, {"log", "prove-consistency", "3", "9"});
  expect(0, {"log", "audit", "--log-key", pub, "--witness", wpub});

  // Receipts.
  const std::string receipt = file("receipt.json");
  expect(0, {"receipt", "export", "1", "--key", key, "-o", receipt});
  expect(0, {"receipt", "verify", receipt, "--log-key", pub, "--witness", wpub}, false);
  const std::string other = file("other.key");
  expect(0,
         {"log", "init", "--db", file("other.db"), "--origin", "example.com/cli-log", "--key-out",
          other},
         false);
  expect(1, {"receipt", "verify", receipt, "--log-key", other + ".pub"}, false);
  std::string text;
  {
    std::ifstream in(receipt);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("\"log_index\": 1"), 14, "\"log_index\": 2");
  write_file_atomic(file("edited.json"), Bytes(text.begin(), text.end()));
  expect(1, {"receipt", "verify", file("edited.json"), "--log-key", pub}, false);

  // Tiles and the monitor.
  const std::string tiles = file("tiles");
  expect(0, {"log", "export-tiles", tiles});
  expect(0, {"log", "monitor", tiles, "--log-key", pub, "--witness", wpub}, false);
  const std::filesystem::path tile = std::filesystem::path(tiles) / tile_path(0, 0, 3);
  Bytes bytes = read_file(tile, 1 << 20);
  bytes[5] ^= 1;
  write_file_atomic(tile, bytes);
  EXPECT_NE(expect(1, {"log", "monitor", tiles, "--log-key", pub}, false).output.find("problem:"),
            std::string::npos);

  // Tampering with a row makes audit fail with exit code 1.
  exec_sql("UPDATE audit_entries SET body = " + blob_literal(bodies[0]) + " WHERE idx = 2");
  EXPECT_NE(expect(1, {"log", "audit", "--log-key", pub}).output.find("entry 2"),
            std::string::npos);

  // Usage errors: exit code 2.
  expect(2, {"log", "get", "1"}, false);
  expect(2, {"log", "bogus"}, false);
}

}  // namespace
}  // namespace zkinfer::audit
