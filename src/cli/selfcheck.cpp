// SPDX-License-Identifier: Apache-2.0
#include "cli/selfcheck.hpp"

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "base/cpu_features.hpp"
#include "cli/commands.hpp"
#include "field/extension.hpp"
#include "field/goldilocks_vec.hpp"
#include "hash/merkle.hpp"
#include "hash/poseidon2.hpp"
#include "hash/sha256.hpp"
#include "hash/transcript.hpp"
#include "poly/ntt.hpp"

namespace zkinfer::cli {
namespace {

using field::Goldilocks;
using field::GoldilocksExt2;

struct Check {
  const char* name;
  std::function<bool()> run;
};

bool field_arithmetic() {
  const Goldilocks minus_one = -Goldilocks::one();
  const bool wraps = (minus_one + Goldilocks::one()).is_zero();
  const bool squares = (minus_one * minus_one) == Goldilocks::one();
  const bool root = Goldilocks::root_of_unity(32).value() == 1753635133440165772ULL &&
                    Goldilocks::root_of_unity(32).pow(1ULL << 31) == minus_one;
  const GoldilocksExt2 x(Goldilocks::from_u64(3), Goldilocks::from_u64(5));
  const bool ext_inverse = x * x.inverse() == GoldilocksExt2::one();
  return wraps && squares && root && ext_inverse;
}

bool packed_field_agrees_with_scalar() {
  std::vector<Goldilocks> a(1000), b(1000), want(1000), got(1000);
  Goldilocks x = Goldilocks::from_u64(0x123456789abcdefULL);
  for (std::size_t i = 0; i < a.size(); ++i) {
    x = x * x + Goldilocks::from_u64(i);
    a[i] = x;
    b[i] = -x.square();
  }
  field::vec::mul(Isa::kScalar, want, a, b);
  field::vec::mul(best_isa(), got, a, b);
  return got == want;
}

// FIPS 180-4 example "abc", on the selected compression path and the portable one.
bool sha256_known_answer() {
  const std::uint8_t abc[] = {'a', 'b', 'c'};
  const std::string want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  return hash::to_hex(hash::sha256(abc)) == want &&
         hash::to_hex(hash::sha256(abc, hash::Sha256Impl::kPortable)) == want;
}

bool merkle_opening_verifies() {
  std::vector<hash::Digest> leaves(100);
  for (std::size_t i = 0; i < leaves.size(); ++i) leaves[i].bytes[0] = static_cast<std::uint8_t>(i);
  const hash::MerkleTree tree(leaves);
  const std::vector<std::size_t> indices = {1, 50, 99};
  const std::vector<hash::Digest> opened = {leaves[1], leaves[50], leaves[99]};
  const auto proof = tree.open(indices);
  std::vector<hash::Digest> wrong = opened;
  wrong[1].bytes[5] ^= 1;
  return hash::MerkleTree::verify(tree.root(), leaves.size(), indices, opened, proof) &&
         !hash::MerkleTree::verify(tree.root(), leaves.size(), indices, wrong, proof);
}

// HorizenLabs/poseidon2 Goldilocks width-12 vector: permutation of [0, 1, ..., 11].
bool poseidon2_known_answer() {
  std::array<Goldilocks, 12> state;
  for (std::size_t i = 0; i < state.size(); ++i) state[i] = Goldilocks::from_u64(i);
  hash::poseidon2_permute<12>(state);
  return state[0].value() == 0x01eaef96bdf1c0c1ULL && state[11].value() == 0x6a50450ddf85a6edULL;
}

bool ntt_round_trip_and_paths_agree() {
  std::vector<Goldilocks> values(1 << 12);
  Goldilocks x = Goldilocks::from_u64(3);
  for (auto& v : values) v = x = x * x + Goldilocks::one();
  std::vector<Goldilocks> fast = values, scalar = values;
  poly::ntt(fast);
  poly::ntt(scalar, Isa::kScalar);
  const bool agree = fast == scalar;
  poly::intt(fast);
  return agree && fast == values;
}

bool transcript_is_deterministic() {
  hash::TranscriptSchema schema("selfcheck/v1");
  schema.absorb("x", hash::ValueType::u64()).squeeze("c", hash::ValueType::field<GoldilocksExt2>());
  const auto draw = [&](std::uint64_t v) {
    hash::Transcript t(schema, {}, {});
    t.absorb_u64("x", v);
    return t.challenge<GoldilocksExt2>("c");
  };
  return draw(1) == draw(1) && !(draw(1) == draw(2));
}

}  // namespace

int run_selfcheck() {
  const std::vector<Check> checks = {
      {"goldilocks and extension arithmetic", field_arithmetic},
      {"packed field kernels agree with scalar", packed_field_agrees_with_scalar},
      {"sha-256 known answer (selected and portable)", sha256_known_answer},
      {"merkle multi-opening verifies, tamper rejected", merkle_opening_verifies},
      {"poseidon2 width-12 reference vector", poseidon2_known_answer},
      {"ntt round trip, SIMD path equals scalar", ntt_round_trip_and_paths_agree},
      {"fiat-shamir transcript deterministic", transcript_is_deterministic},
  };
  std::printf("zkinfer self-check (kernels: %s, sha-ni: %s)\n", isa_name(best_isa()),
              cpu_has_sha_ni() ? "yes" : "no");
  int failed = 0;
  for (const Check& check : checks) {
    const auto start = std::chrono::steady_clock::now();
    const bool ok = check.run();
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("  %-48s %s (%.1f ms)\n", check.name, ok ? "ok" : "FAILED", ms);
    failed += ok ? 0 : 1;
  }
  std::printf("self-check: %d of %zu checks failed\n", failed, checks.size());
  return failed;
}

void add_selfcheck_command(CLI::App& app, int& exit_code) {
  app.add_subcommand("selfcheck", "known-answer checks of the core kernels")
      ->callback([&exit_code] { exit_code = run_selfcheck() == 0 ? kExitOk : kExitRejected; });
}

}  // namespace zkinfer::cli
