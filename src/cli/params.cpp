// SPDX-License-Identifier: Apache-2.0
#include "cli/params.hpp"

#include <cmath>
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "field/extension.hpp"
#include "lookup/range_check.hpp"
#include "pcs/ligero_params.hpp"
#include "sumcheck/sumcheck.hpp"

namespace zkinfer::cli {
namespace {

using E = field::GoldilocksExt2;

std::string line(const char* name, double error, const char* formula) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "  %-28s %7.1f bits   %s\n", name, -std::log2(error), formula);
  return buf;
}

}  // namespace

std::string soundness_report(const ProofShape& shape) {
  std::string out = "zkinfer soundness calculator (challenges in GF(p^2), |E| = 2^" +
                    std::to_string(static_cast<int>(std::round(pcs::log2_challenge_field_size()))) +
                    ")\n";

  // The layer protocols' sumchecks, taken together: one union bound over all rounds.
  sumcheck::SumcheckShape<E> sc;
  sc.num_vars = static_cast<unsigned>(shape.sumcheck_rounds);
  sc.num_tables = shape.sumcheck_degree;
  sc.table_is_public.assign(sc.num_tables, false);
  sc.terms.push_back({E::one(), {}});
  for (std::size_t k = 0; k < shape.sumcheck_degree; ++k) sc.terms[0].factors.push_back(k);
  const double sumcheck_error = sumcheck::soundness_error(sc);
  out += line("sumcheck rounds", sumcheck_error, "rounds * degree / |E|  (docs/zero-knowledge.md)");

  const auto lookup_shape = lookup::range_check_shape<E>(
      std::max<std::size_t>(shape.lookups, 1), shape.lookup_table_bits, shape.witness_elements);
  const double lookup_error = lookup::soundness_error(lookup_shape);
  out += line("LogUp-GKR lookups", lookup_error,
              "(d_beta T + N + T - 1 + sum_k (2 A_k + 3k)) / |E|  (docs/lookup.md)");

  const auto ligero = pcs::LigeroParams::choose(
      shape.witness_elements, shape.quadratic_constraints,
      shape.ligero_queries == 0 ? pcs::kDefaultLigeroQueries : shape.ligero_queries);
  const auto security = pcs::ligero_security(ligero);
  out += line("ZK-Ligero (all tests)", std::exp2(-security.total_bits),
              "proximity + linear + quadratic tests  (docs/ligero.md)");

  const double total = sumcheck_error + lookup_error + std::exp2(-security.total_bits);
  out += line("total (union bound)", total, "sum of the component errors");
  out += "\nZK-Ligero detail:\n" + pcs::describe(ligero, security);
  return out;
}

void add_params_command(CLI::App& app, int& exit_code) {
  auto* params = app.add_subcommand("params", "print the soundness bits of each proof component");
  auto shape = std::make_shared<ProofShape>();
  params->add_option("--witness", shape->witness_elements, "committed base-field elements")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  params->add_option("--quadratic", shape->quadratic_constraints, "quadratic constraints")
      ->capture_default_str();
  params->add_option("--rounds", shape->sumcheck_rounds, "sumcheck rounds in the whole proof")
      ->capture_default_str();
  params->add_option("--degree", shape->sumcheck_degree, "largest sumcheck round degree")
      ->capture_default_str()
      ->check(CLI::Range(1, 4));
  params->add_option("--lookups", shape->lookups, "lookups (range checks, activations)")
      ->capture_default_str();
  params->add_option("--table-bits", shape->lookup_table_bits, "log2 of the lookup table size")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  params->add_option("--queries", shape->ligero_queries, "Ligero opened columns (0: default)")
      ->capture_default_str();
  params->callback([shape, &exit_code] {
    std::fputs(soundness_report(*shape).c_str(), stdout);
    exit_code = kExitOk;
  });
}

}  // namespace zkinfer::cli
