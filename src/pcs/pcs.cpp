// SPDX-License-Identifier: Apache-2.0
#include "pcs/pcs.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string_view>

#include "base/error.hpp"
#include "pcs/coordinates.hpp"
#include "poly/multilinear.hpp"

namespace zkinfer::pcs {
namespace {

constexpr std::string_view kStatementDomain = "zkinfer-pcs-statement-v1";
constexpr std::string_view kTermsDomain = "zkinfer-pcs-statement-terms-v1";

// Little-endian words into SHA-256 through a fixed buffer: a statement can
// hold millions of terms, and one update per 8 bytes would dominate.
class StatementHasher {
 public:
  explicit StatementHasher(std::string_view domain) {
    sha_.update({reinterpret_cast<const std::uint8_t*>(domain.data()), domain.size()});
  }
  void u64(std::uint64_t v) {
    if (used_ + 8 > buffer_.size()) flush();
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(buffer_.data() + used_, &v, 8);
      used_ += 8;
    } else {
      for (int i = 0; i < 8; ++i) buffer_[used_++] = static_cast<std::uint8_t>(v >> (8 * i));
    }
  }
  // Each coordinate over the base field, as a u64.
  template <field::Field E>
  void element(const E& e) {
    for (const auto& c : coordinates_of(e)) u64(c.value());
  }
  void digest(const hash::Digest& d) {
    flush();
    sha_.update(d.bytes);
  }
  hash::Digest finish() {
    flush();
    return sha_.finalize();
  }

 private:
  void flush() {
    sha_.update({buffer_.data(), used_});
    used_ = 0;
  }
  hash::Sha256 sha_;
  // Not zero-filled: only the first used_ bytes are ever read, and a
  // hasher is made per chunk of terms (per linear form at the least).
  std::array<std::uint8_t, 1 << 14> buffer_;
  std::size_t used_ = 0;
};

void require_slot(Slot slot, const WitnessLayout& layout) {
  if (slot >= layout.size()) {
    fail("a quadratic constraint names slot " + std::to_string(slot) + " outside the " +
         std::to_string(layout.size()) + "-slot layout");
  }
}

}  // namespace

LinearForm mle_evaluation_claim(Slot first, std::span<const Challenge> point,
                                const LinearForm& claimed) {
  const std::vector<Challenge> eq = poly::eq_table<Challenge>(point);
  LinearForm form;
  form.terms.reserve(eq.size() + claimed.terms.size());
  for (std::size_t x = 0; x < eq.size(); ++x) form.terms.emplace_back(first + x, eq[x]);
  form -= claimed;
  return form;
}

template <field::Field E>
hash::Digest statement_digest(const WitnessLayout& layout,
                              const sumcheck::ConstraintSystem<E>& constraints) {
  // Terms are hashed in chunks of kChunkTerms, the chunks in parallel, and
  // each chunk enters the statement hash as its digest: a fixed encoding,
  // whatever the thread count, that hashes millions of terms at the speed of
  // all cores rather than one.
  constexpr std::size_t kChunkTerms = std::size_t{1} << 14;
  struct Chunk {
    std::size_t form, first;
  };
  std::vector<Chunk> chunks;
  std::size_t total_terms = 0;
  for (std::size_t f = 0; f < constraints.linear.size(); ++f) {
    const std::size_t n = constraints.linear[f].terms.size();
    for (std::size_t first = 0; first < n; first += kChunkTerms) chunks.push_back({f, first});
    total_terms += n;
  }
  std::vector<hash::Digest> chunk_digests(chunks.size());
  bool out_of_range = false;
#pragma omp parallel for schedule(dynamic, 1) \
    reduction(||                              \
              : out_of_range) if (total_terms >= 4 * kChunkTerms)
  for (std::ptrdiff_t ci = 0; ci < static_cast<std::ptrdiff_t>(chunks.size()); ++ci) {
    const Chunk& chunk = chunks[static_cast<std::size_t>(ci)];
    const auto& terms = constraints.linear[chunk.form].terms;
    StatementHasher h(kTermsDomain);
    for (std::size_t i = chunk.first; i < std::min(terms.size(), chunk.first + kChunkTerms); ++i) {
      out_of_range = out_of_range || terms[i].first >= layout.size();
      h.u64(terms[i].first);
      h.element(terms[i].second);
    }
    chunk_digests[static_cast<std::size_t>(ci)] = h.finish();
  }
  if (out_of_range) fail("a linear constraint names a slot outside the layout");

  StatementHasher h(kStatementDomain);
  h.u64(layout.size());
  h.u64(layout.quadratic().size());
  for (const auto& q : layout.quadratic()) {
    for (Slot s : {q.x, q.y, q.z}) {
      require_slot(s, layout);
      h.u64(s);
    }
  }
  h.u64(constraints.linear.size());
  for (std::size_t f = 0, c = 0; f < constraints.linear.size(); ++f) {
    h.element(constraints.linear[f].constant);
    h.u64(constraints.linear[f].terms.size());
    for (; c < chunks.size() && chunks[c].form == f; ++c) h.digest(chunk_digests[c]);
  }
  return h.finish();
}

template hash::Digest statement_digest(const WitnessLayout&,
                                       const sumcheck::ConstraintSystem<Challenge>&);
template hash::Digest statement_digest(const WitnessLayout&,
                                       const sumcheck::ConstraintSystem<TinyChallenge>&);

}  // namespace zkinfer::pcs
