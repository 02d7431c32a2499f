// SPDX-License-Identifier: Apache-2.0
#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "base/error.hpp"
#include "cli/commands.hpp"

namespace {

// The prover allocates and frees tables of megabytes at every layer. glibc
// serves blocks above 128 KiB from fresh mmaps and unmaps them on free, so
// each table paid its page faults and zeroing again (a fifth of the proving
// time); keeping blocks up to 32 MiB in the heap and not trimming it lets
// them be reused. First touches of the heap on 4 KiB pages still cost about
// 10,000 page faults per LeNet proof, a sixth of its time on a VM, so the
// heap is grown once by kHugeHeap of address space (not memory: untouched
// pages are never backed) and that range is advised for transparent huge
// pages. glibc's own glibc.malloc.hugetlb tunable would do the same but is
// read only at process start.
void keep_freed_tables_mapped() {
#if defined(__GLIBC__)
  constexpr std::size_t kHugeHeap = std::size_t{512} << 20;
  constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, kHugeHeap);
  void* grow = std::malloc(1 << 20);
  const auto begin = (reinterpret_cast<std::uintptr_t>(grow) + kHugePage - 1) & ~(kHugePage - 1);
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0)) & ~(kHugePage - 1);
  if (grow != nullptr && end > begin)
    madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  std::free(grow);
  mallopt(M_TOP_PAD, 128 << 10);
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
