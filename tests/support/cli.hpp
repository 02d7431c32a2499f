// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

// Runs the built `zkinfer` binary of the same build tree (<build>/zkinfer
// beside <build>/tests/), for tests of the command line.
namespace zkinfer::testing {

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

inline std::string shell_quote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

inline std::filesystem::path zkinfer_binary() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "zkinfer";
}

inline CliRun run_zkinfer(const std::vector<std::string>& args) {
  std::string command = shell_quote(zkinfer_binary().string());
  for (const std::string& a : args) {
    command.push_back(' ');
    command += shell_quote(a);
  }
  CliRun result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace zkinfer::testing
