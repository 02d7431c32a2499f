// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include "base/os_random.hpp"
#include "sumcheck/constraints.hpp"

// One-time pads and products of pads, committed with the witness.
namespace zkinfer::sumcheck {

template <field::Field E>
using BaseWitness = std::vector<typename E::Base>;

template <field::Field E>
void write_ext(BaseWitness<E>& witness, ExtSlots slots, const E& value) {
  const auto coords = field::coordinates(value);
  for (unsigned i = 0; i < E::kExtensionDegree; ++i) witness.at(slots.first + i) = coords[i];
}

template <field::Field E>
E read_ext(const BaseWitness<E>& witness, ExtSlots slots) {
  std::array<typename E::Base, E::kExtensionDegree> coords;
  for (unsigned i = 0; i < E::kExtensionDegree; ++i) coords[i] = witness.at(slots.first + i);
  return field::from_coordinates<E>(coords);
}

// A uniformly random pad from the OS CSPRNG (never from the transcript),
// written into the witness before it is committed.
template <field::Field E>
E draw_pad(BaseWitness<E>& witness, ExtSlots slots) {
  const E value = E::sample([] { return os_random_u64(); });
  write_ext(witness, slots, value);
  return value;
}

// The committed product c = a * b of two committed extension values: the
// d^2 base products a_i * b_j are committed under quadratic constraints, and
// c is tied to them by one linear constraint over E (a nonzero element of E
// has a nonzero coordinate, and the PCS combines constraints with random
// coefficients from E), so c can itself be multiplied again.
template <field::Field E>
struct ExtProduct {
  ExtSlots a, b, c;
  Slot partials;  // a_i * b_j at partials + i * d + j

  static ExtProduct allocate(WitnessLayout& layout, ExtSlots a, ExtSlots b) {
    constexpr unsigned d = E::kExtensionDegree;
    ExtProduct p{a, b, layout.allocate_ext<E>(), 0};
    p.partials = layout.allocate(d * d);
    for (unsigned i = 0; i < d; ++i) {
      for (unsigned j = 0; j < d; ++j) {
        layout.add_quadratic({a.first + i, b.first + j, p.partials + i * d + j});
      }
    }
    return p;
  }

  // Prover: fills the partial products and c from the committed a and b.
  void fill(BaseWitness<E>& witness) const {
    constexpr unsigned d = E::kExtensionDegree;
    for (unsigned i = 0; i < d; ++i) {
      for (unsigned j = 0; j < d; ++j) {
        witness.at(partials + i * d + j) = witness.at(a.first + i) * witness.at(b.first + j);
      }
    }
    write_ext(witness, c, read_ext<E>(witness, a) * read_ext<E>(witness, b));
  }

  // Both sides: with the layout's quadratic constraints on the partial
  // products, the linear constraint that makes c = a * b.
  void constrain(ConstraintSystem<E>& cs) const {
    constexpr unsigned d = E::kExtensionDegree;
    const E x = field::extension_generator<E>();
    LinearForm<E> diff;
    diff.add_ext(c, E::one());
    E x_power_i = E::one();
    for (unsigned i = 0; i < d; ++i) {
      E x_power = x_power_i;
      for (unsigned j = 0; j < d; ++j) {
        diff.add_term(partials + i * d + j, -x_power);
        x_power *= x;
      }
      x_power_i *= x;
    }
    cs.require_zero(std::move(diff));
  }
};

}  // namespace zkinfer::sumcheck
