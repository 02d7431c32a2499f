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

constexpr std::string_view kStatementDomain = "zkinfer-pcs-statement-v2";
constexpr std::string_view kTermsDomain = "zkinfer-pcs-statement-terms-v2";

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
  // hasher is made per chunk of terms.
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
  return mle_evaluation_claim_from_eq(first, poly::eq_table<Challenge>(point), claimed);
}

LinearForm mle_evaluation_claim_from_eq(Slot first, std::span<const Challenge> eq,
                                        const LinearForm& claimed) {
  LinearForm form;
  form.terms.reserve(eq.size() + claimed.terms.size());
  for (std::size_t x = 0; x < eq.size(); ++x) form.terms.emplace_back(first + x, eq[x]);
  form -= claimed;
  return form;
}

template <field::Field E>
hash::Digest statement_digest(const WitnessLayout& layout,
                              const sumcheck::ConstraintSystem<E>& constraints) {
  // The forms' terms, concatenated in form order, are hashed in chunks of
  // kChunkTerms, the chunks in parallel, and each chunk enters the statement
  // hash as its digest after every form's constant and term count (which fix
  // where each form's terms start). The encoding is the same whatever the
  // thread count, hashes millions of terms at the speed of all cores, and
  // costs one hash per chunk, not one per form: a proof has tens of
  // thousands of short forms.
  constexpr std::size_t kChunkTerms = std::size_t{1} << 14;
  const auto& forms = constraints.linear;
  std::vector<std::size_t> form_start(forms.size() + 1, 0);
  for (std::size_t f = 0; f < forms.size(); ++f) {
    form_start[f + 1] = form_start[f] + forms[f].terms.size();
  }
  const std::size_t total_terms = form_start.back();
  const std::size_t chunks = (total_terms + kChunkTerms - 1) / kChunkTerms;
  std::vector<hash::Digest> chunk_digests(chunks);
  bool out_of_range = false;
#pragma omp parallel for schedule(dynamic, 1) reduction(|| : out_of_range) if (chunks >= 4)
  for (std::ptrdiff_t ci = 0; ci < static_cast<std::ptrdiff_t>(chunks); ++ci) {
    const std::size_t first = static_cast<std::size_t>(ci) * kChunkTerms;
    const std::size_t last = std::min(total_terms, first + kChunkTerms);
    // The form holding term `first`: the last one starting at or before it.
    auto f = static_cast<std::size_t>(
        std::upper_bound(form_start.begin(), form_start.end(), first) - form_start.begin() - 1);
    StatementHasher h(kTermsDomain);
    for (std::size_t t = first; t < last; ++f) {
      const auto& terms = forms[f].terms;
      for (std::size_t i = t - form_start[f]; i < terms.size() && t < last; ++i, ++t) {
        out_of_range = out_of_range || terms[i].first >= layout.size();
        h.u64(terms[i].first);
        h.element(terms[i].second);
      }
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
  h.u64(forms.size());
  for (const auto& form : forms) {
    h.element(form.constant);
    h.u64(form.terms.size());
  }
  for (const hash::Digest& d : chunk_digests) h.digest(d);
  return h.finish();
}

template hash::Digest statement_digest(const WitnessLayout&,
                                       const sumcheck::ConstraintSystem<Challenge>&);
template hash::Digest statement_digest(const WitnessLayout&,
                                       const sumcheck::ConstraintSystem<TinyChallenge>&);

}  // namespace zkinfer::pcs
