// SPDX-License-Identifier: Apache-2.0
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "base/error.hpp"
#include "cli/selfcheck.hpp"

// Exit codes: 0 success, 1 a check or verification failed, 2 bad input or usage.
int main(int argc, char** argv) {
  CLI::App app{"zkinfer: zero-knowledge proofs of neural-network inference"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "zkinfer 0.1.0");
  auto* selfcheck = app.add_subcommand("selfcheck", "known-answer checks of the core kernels");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    if (selfcheck->parsed()) return zkinfer::cli::run_selfcheck() == 0 ? 0 : 1;
  } catch (const zkinfer::Error& e) {
    std::fprintf(stderr, "zkinfer: error: %s\n", e.what());
    return 2;
  }
  return 2;
}
