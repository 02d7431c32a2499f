// SPDX-License-Identifier: Apache-2.0
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "base/error.hpp"
#include "cli/params.hpp"
#include "cli/selfcheck.hpp"

// Exit codes: 0 success, 1 a check or verification failed, 2 bad input or usage.
int main(int argc, char** argv) {
  CLI::App app{"zkinfer: zero-knowledge proofs of neural-network inference"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "zkinfer 0.1.0");
  auto* selfcheck = app.add_subcommand("selfcheck", "known-answer checks of the core kernels");
  auto* params = app.add_subcommand("params", "print the soundness bits of each proof component");
  zkinfer::cli::ProofShape shape;
  params->add_option("--witness", shape.witness_elements, "committed base-field elements")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  params->add_option("--quadratic", shape.quadratic_constraints, "quadratic constraints")
      ->capture_default_str();
  params->add_option("--rounds", shape.sumcheck_rounds, "sumcheck rounds in the whole proof")
      ->capture_default_str();
  params->add_option("--degree", shape.sumcheck_degree, "largest sumcheck round degree")
      ->capture_default_str()
      ->check(CLI::Range(1, 4));
  params->add_option("--lookups", shape.lookups, "lookups (range checks, activations)")
      ->capture_default_str();
  params->add_option("--table-bits", shape.lookup_table_bits, "log2 of the lookup table size")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  params->add_option("--queries", shape.ligero_queries, "Ligero opened columns (0: default)")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  try {
    if (selfcheck->parsed()) return zkinfer::cli::run_selfcheck() == 0 ? 0 : 1;
    if (params->parsed()) {
      std::fputs(zkinfer::cli::soundness_report(shape).c_str(), stdout);
      return 0;
    }
  } catch (const zkinfer::Error& e) {
    std::fprintf(stderr, "zkinfer: error: %s\n", e.what());
    return 2;
  }
  return 2;
}
