// SPDX-License-Identifier: Apache-2.0
#include <CLI/CLI.hpp>
#include <cstdio>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "base/error.hpp"
#include "cli/commands.hpp"

namespace {

// The prover allocates and frees tables of megabytes at every layer. glibc
// serves blocks above 128 KiB from fresh mmaps and unmaps them on free, so
// each table paid its page faults and zeroing again (a fifth of the proving
// time); keeping blocks up to 32 MiB in the heap and not trimming it lets
// them be reused.
void keep_freed_tables_mapped() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  using namespace zkinfer::cli;
  keep_freed_tables_mapped();
  CLI::App app{"zkinfer: zero-knowledge proofs of neural-network inference"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "zkinfer 0.1.0");
  int exit_code = kExitBadInput;
  add_selfcheck_command(app, exit_code);
  add_params_command(app, exit_code);
  add_quantize_command(app, exit_code);
  add_commit_command(app, exit_code);
  add_prove_command(app, exit_code);
  add_verify_command(app, exit_code);
  add_inspect_command(app, exit_code);
  add_log_command(app, exit_code);
  add_receipt_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitBadInput;
  } catch (const zkinfer::Error& e) {
    std::fprintf(stderr, "zkinfer: error: %s\n", e.what());
    return kExitBadInput;
  }
  return exit_code;
}
