// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "field/concepts.hpp"
#include "field/lift.hpp"

// What a zero-knowledge verifier learns instead of values.
//
// In zkinfer's padded-transcript zero knowledge (docs/zero-knowledge.md),
// every field element the prover sends is blinded by a one-time pad that the
// prover committed, together with the witness, before the first challenge.
// The verifier therefore never sees a value: it sees `public - pad`, an affine
// form over committed base-field witness slots, and every check it would have
// made becomes a constraint that the commitment scheme proves in zero
// knowledge: linear (sum_j c_j w_j = b) or quadratic (w_x * w_y = w_z).
namespace zkinfer::sumcheck {

// Index of one base-field element in the committed witness vector.
using Slot = std::size_t;

// An extension-field value committed as consecutive base-field slots
// (value = sum_i w[first + i] X^i), as pads are.
struct ExtSlots {
  Slot first = 0;
};

// w[x] * w[y] = w[z] over the base field.
struct QuadraticConstraint {
  Slot x, y, z;
  bool operator==(const QuadraticConstraint&) const = default;
};

// The public structure of the committed witness: how many slots, and which
// quadratic relations hold among them. Prover and verifier build the same
// layout from public shapes only, so it is part of the statement. Quadratic
// constraints never depend on challenges (they relate pads committed up
// front), so they are fixed here, before the commitment, where the PCS needs
// them to lay out its product rows.
class WitnessLayout {
 public:
  Slot allocate(std::size_t count) {
    const Slot first = size_;
    size_ += count;
    return first;
  }
  template <field::Field E>
  ExtSlots allocate_ext() {
    return {allocate(E::kExtensionDegree)};
  }
  void add_quadratic(QuadraticConstraint q) { quadratic_.push_back(q); }

  std::size_t size() const { return size_; }
  const std::vector<QuadraticConstraint>& quadratic() const { return quadratic_; }

 private:
  std::size_t size_ = 0;
  std::vector<QuadraticConstraint> quadratic_;
};

// constant + sum_j coeff_j * w[slot_j], coefficients in the challenge field E.
template <field::Field E>
struct LinearForm {
  E constant = E::zero();
  std::vector<std::pair<Slot, E>> terms;

  static LinearForm constant_value(const E& c) { return {c, {}}; }

  LinearForm& operator+=(const LinearForm& o) {
    constant += o.constant;
    terms.insert(terms.end(), o.terms.begin(), o.terms.end());
    return *this;
  }
  LinearForm& operator-=(const LinearForm& o) { return *this += o.scaled(-E::one()); }
  LinearForm scaled(const E& s) const {
    LinearForm out{constant * s, terms};
    for (auto& t : out.terms) t.second *= s;
    return out;
  }
  void add_term(Slot slot, const E& coeff) { terms.emplace_back(slot, coeff); }

  // Adds coeff * (the extension value committed at `slots`).
  void add_ext(ExtSlots slots, const E& coeff) {
    E basis = E::one();
    for (unsigned i = 0; i < E::kExtensionDegree; ++i) {
      add_term(slots.first + i, coeff * basis);
      basis *= field::extension_generator<E>();
    }
  }

  // Adds sum_{i, j} row_weights[i] * column_weights[j] * w[first + i * cols + j]
  // for the dense row-major matrix at `first` with column_weights.size()
  // columns: a weighted sum over a committed matrix, such as its multilinear
  // extension zero-padded to power-of-two sides (the weights then being eq
  // tables cut to the true sides).
  void add_matrix(Slot first, std::span<const E> row_weights, std::span<const E> column_weights) {
    const std::size_t cols = column_weights.size();
    for (std::size_t i = 0; i < row_weights.size(); ++i) {
      for (std::size_t j = 0; j < cols; ++j) {
        add_term(first + i * cols + j, row_weights[i] * column_weights[j]);
      }
    }
  }

  // Value of the form for a concrete witness (prover-side and test checks).
  template <class W>
  E evaluate(const std::vector<W>& witness) const {
    E acc = constant;
    for (const auto& [slot, coeff] : terms) acc += coeff * field::lift<E>(witness.at(slot));
    return acc;
  }
};

// The linear part of what the verifier's checks reduce to; proven, with the
// layout's quadratic constraints, by the PCS at the end. Each form must be 0.
template <field::Field E>
struct ConstraintSystem {
  std::vector<LinearForm<E>> linear;

  void require_zero(LinearForm<E> form) { linear.push_back(std::move(form)); }
  void require_equal(const LinearForm<E>& a, LinearForm<E> b) {
    b -= a;
    linear.push_back(std::move(b));
  }

  // Ideal-commitment check, for tests: do all constraints hold on `witness`?
  template <class W>
  bool holds_for(const std::vector<W>& witness, const WitnessLayout& layout) const {
    if (witness.size() != layout.size()) return false;
    for (const auto& form : linear) {
      if (!form.evaluate(witness).is_zero()) return false;
    }
    for (const auto& q : layout.quadratic()) {
      if (!(witness.at(q.x) * witness.at(q.y) == witness.at(q.z))) return false;
    }
    return true;
  }
};

}  // namespace zkinfer::sumcheck
