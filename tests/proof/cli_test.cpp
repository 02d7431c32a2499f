// SPDX-License-Identifier: Apache-2.0
// The zkinfer commit / prove / verify / inspect commands on a real model, as
// a user runs them: ACCEPT with exit 0, REJECT with exit 1 for another
// model's card or a damaged proof, a clear error with exit 2 and no file
// written for bad input, and the receipt of a logged proof verified offline
// together with its zero-knowledge proof.
#include "support/cli.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/atomic_file.hpp"
#include "support/examples.hpp"
#include "support/temp_dir.hpp"

namespace zkinfer {
namespace {

using testing::run_zkinfer;

class ProofCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(testing::zkinfer_binary()))
      GTEST_SKIP() << testing::zkinfer_binary() << " is not built";
  }
  std::string file(const std::string& name) const { return (dir_.path() / name).string(); }
  testing::CliRun expect(int code, const std::vector<std::string>& args) const {
    testing::CliRun r = run_zkinfer(args);
    EXPECT_EQ(r.exit_code, code) << r.output;
    return r;
  }
  void commit(const std::string& onnx, const std::string& name) const {
    expect(0, {"commit", zkinfer::testing::example_path(onnx), "--calibration",
               zkinfer::testing::example_path("breast_cancer/calibration.npy"), "-o",
               file(name + ".zkm")});
  }
  testing::TempDir dir_;
};

TEST_F(ProofCli, CommitProveVerifyInspectAndReceipt) {
  commit("breast_cancer/mlp.onnx", "model");
  EXPECT_TRUE(std::filesystem::exists(file("model.card.json")));
  EXPECT_EQ(std::filesystem::status(file("model.zkm")).permissions() &
                std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  expect(0, {"log", "init", "--db", file("audit.db"), "--origin", "example.org/test", "--key-out",
             file("log.key")});
  const auto proved = expect(0, {"prove", "--model", file("model.zkm"), "--input",
                                 zkinfer::testing::example_path("breast_cancer/input_0.json"), "-o",
                                 file("proof.zkp"), "--log", file("audit.db")});
  EXPECT_NE(proved.output.find("logged as entry 0"), std::string::npos) << proved.output;
  EXPECT_TRUE(std::filesystem::exists(file("proof.zkp.input.json")));
  const auto ok = expect(0, {"verify", "--card", file("model.card.json"), file("proof.zkp")});
  EXPECT_NE(ok.output.find("ACCEPT"), std::string::npos) << ok.output;
  // Two inputs in one proof (--batch, JSON lines).
  const Bytes input =
      read_file(zkinfer::testing::example_path("breast_cancer/input_0.json"), 1 << 20);
  std::string line(input.begin(), input.end());
  std::erase(line, '\n');
  std::ofstream(file("batch.jsonl")) << line << "\n" << line << "\n";
  const auto batch = expect(0, {"prove", "--model", file("model.zkm"), "--batch",
                                file("batch.jsonl"), "-o", file("batch.zkp")});
  EXPECT_NE(batch.output.find("batch of 2"), std::string::npos) << batch.output;
  expect(0, {"verify", "--card", file("model.card.json"), file("batch.zkp")});
  const auto shown = expect(0, {"inspect", file("proof.zkp")});
  EXPECT_NE(shown.output.find("input_commitment"), std::string::npos) << shown.output;

  // Another certification of the same network is another model_id.
  commit("breast_cancer/mlp.onnx", "other");
  const auto wrong = expect(1, {"verify", "--card", file("other.card.json"), file("proof.zkp")});
  EXPECT_NE(wrong.output.find("REJECT"), std::string::npos) << wrong.output;

  Bytes damaged = read_file(file("proof.zkp"), 1 << 30);
  damaged[damaged.size() / 2] ^= 0x10;
  write_file_atomic(file("damaged.zkp"), damaged);
  expect(1, {"verify", "--card", file("model.card.json"), file("damaged.zkp")});
  damaged.resize(damaged.size() / 3);
  write_file_atomic(file("truncated.zkp"), damaged);
  const auto truncated =
      expect(1, {"verify", "--card", file("model.card.json"), file("truncated.zkp")});
  EXPECT_NE(truncated.output.find("malformed"), std::string::npos) << truncated.output;

  expect(0, {"log", "checkpoint", "--db", file("audit.db"), "--key", file("log.key")});
  expect(0, {"receipt", "export", "0", "--db", file("audit.db"), "--key", file("log.key"), "-o",
             file("receipt.json")});
  const auto receipt = expect(0, {"receipt", "verify", file("receipt.json"), "--log-key",
                                  file("log.key.pub"), "--card", file("model.card.json")});
  EXPECT_NE(receipt.output.find("zero-knowledge proof verifies"), std::string::npos)
      << receipt.output;
  expect(1, {"receipt", "verify", file("receipt.json"), "--log-key", file("log.key.pub"), "--card",
             file("other.card.json")});
}

TEST_F(ProofCli, BadInputIsAClearErrorAndWritesNothing) {
  commit("breast_cancer/mlp.onnx", "model");
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(file(name)) << text;
    return file(name);
  };
  const std::pair<std::string, std::string> cases[] = {
      {write("short.json", R"({"shape": [1, 2], "data": [0.5, 1]})"), "values"},
      {write("nan.json", R"({"shape": [1, 1], "data": [NaN]})"), "not JSON"},
      {write("keys.json", R"({"shape": [1], "data": [1], "x": 2})"), "exactly the keys"},
  };
  for (const auto& [input, message] : cases) {
    const auto r = expect(
        2, {"prove", "--model", file("model.zkm"), "--input", input, "-o", file("never.zkp")});
    EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(file("never.zkp")));
  }
  // A batch file names the line that is wrong; no input at all is an error.
  const std::string row = R"({"shape": [1, 1], "data": [0.5]})";
  const auto bad_line =
      expect(2, {"prove", "--model", file("model.zkm"), "--batch",
                 write("batch.jsonl", row + "\n\n" + row + "\n"), "-o", file("never.zkp")});
  EXPECT_NE(bad_line.output.find("batch.jsonl line 1"), std::string::npos) << bad_line.output;
  expect(2, {"prove", "--model", file("model.zkm"), "-o", file("never.zkp")});
  const auto not_a_package = expect(
      2, {"prove", "--model", zkinfer::testing::example_path("breast_cancer/mlp.onnx"), "--input",
          zkinfer::testing::example_path("breast_cancer/input_0.json"), "-o", file("never.zkp")});
  EXPECT_NE(not_a_package.output.find("magic"), std::string::npos) << not_a_package.output;
  const auto bad_card = expect(2, {"verify", "--card", write("card.json", "{}"),
                                   zkinfer::testing::example_path("breast_cancer/mlp.onnx")});
  EXPECT_NE(bad_card.output.find("model card"), std::string::npos) << bad_card.output;
  EXPECT_FALSE(std::filesystem::exists(file("never.zkp")));
}

}  // namespace
}  // namespace zkinfer
