// SPDX-License-Identifier: Apache-2.0
#include "gkr/poseidon2_circuit.hpp"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "base/cpu_features.hpp"
#include "hash/poseidon2_avx512.hpp"

namespace zkinfer::gkr {
namespace {

using Form = pcs::LinearForm;
using E = Challenge;

constexpr std::size_t kHalfFullRounds = hash::kPoseidon2ExternalRounds / 2;
constexpr unsigned kMaxLogInstances = 24;

// The matrix of a linear map, read off its images of the unit vectors.
template <class Apply>
Matrix matrix_of(const Apply& apply) {
  Matrix m{};
  for (std::size_t col = 0; col < kLanes; ++col) {
    State e{};
    e[col] = Goldilocks::one();
    apply(e);
    for (std::size_t row = 0; row < kLanes; ++row) m[row][col] = e[row];
  }
  return m;
}

// Gauss-Jordan elimination. The Poseidon2 layers are invertible by design
// (MDS external layer, the minimal-polynomial condition on M_I), so a
// singular matrix is a broken build, not bad input.
Matrix invert(Matrix m) {
  Matrix inv{};
  for (std::size_t i = 0; i < kLanes; ++i) inv[i][i] = Goldilocks::one();
  for (std::size_t col = 0; col < kLanes; ++col) {
    std::size_t pivot = col;
    while (pivot < kLanes && m[pivot][col].is_zero()) ++pivot;
    if (pivot == kLanes) {
      std::fprintf(stderr, "zkinfer: singular Poseidon2 linear layer\n");
      std::abort();
    }
    std::swap(m[col], m[pivot]);
    std::swap(inv[col], inv[pivot]);
    const Goldilocks scale = m[col][col].inverse();
    for (std::size_t j = 0; j < kLanes; ++j) {
      m[col][j] *= scale;
      inv[col][j] *= scale;
    }
    for (std::size_t row = 0; row < kLanes; ++row) {
      if (row == col || m[row][col].is_zero()) continue;
      const Goldilocks f = m[row][col];
      for (std::size_t j = 0; j < kLanes; ++j) {
        m[row][j] -= f * m[col][j];
        inv[row][j] -= f * inv[col][j];
      }
    }
  }
  return inv;
}

LinearLayer make_layer(const Matrix& m) {
  return {m, invert(m)};
}

Goldilocks sbox(Goldilocks x) {
  const Goldilocks x2 = x.square();
  return x2.square() * x2 * x;
}

// ---- Layer shapes -------------------------------------------------------------
//
// Product layer of a full round: gate j = c_j * c_j * x_j (inputs c_0..c_11 =
// u^3, x_0..x_11 = u), so x^7 = (x^3)^2 x. Powers layer: gates c_j = u_j^3,
// then the identity wires x_j = u_j (so its gate g is the product layer's
// input g); the identities cost one folded table, where squares as a second
// power would cost twelve product terms. A partial round's product layer has
// the single gate c_0 c_0 x_0 and carries lanes 1..11 as identity wires
// (inputs c_0, x_0, u_1..u_11), so that after it every lane is claimed at one
// point; its powers layer has the gates c_0 = u_0^3, x_0 = u_0 and the
// identities u_1..u_11, in the order of the product layer's inputs. Every
// layer then has one claim point, and its eq factor is split off rather
// than built (sumcheck::Table::eq).
struct Layers {
  LayerShape full_product, full_powers, partial_product, partial_powers;

  explicit Layers(unsigned n) {
    full_product = {n, 1, 2 * kLanes, {}};
    full_powers = {n, 1, kLanes, {}};
    for (std::size_t j = 0; j < kLanes; ++j) {
      full_product.gates.push_back({0, {j, j, kLanes + j}});
      full_powers.gates.push_back({0, {j, j, j}});
    }
    for (std::size_t j = 0; j < kLanes; ++j) full_powers.gates.push_back({0, {j}});
    partial_product = {n, 1, kLanes + 1, {{0, {0, 0, 1}}}};
    partial_powers = {n, 1, kLanes, {{0, {0, 0, 0}}, {0, {0}}}};
    for (std::size_t j = 1; j < kLanes; ++j) {
      partial_product.gates.push_back({0, {j + 1}});
      partial_powers.gates.push_back({0, {j}});
    }
  }

  const LayerShape& at(std::size_t layer) const {
    const bool full = is_full_round(kRounds - 1 - layer / 2);
    if (layer % 2 == 0) return full ? full_product : partial_product;
    return full ? full_powers : partial_powers;
  }
};

const Layers& layers_for(const Poseidon2CircuitShape& shape) {
  static const std::vector<Layers> all = [] {
    std::vector<Layers> out;
    for (unsigned n = 0; n <= kMaxLogInstances; ++n) out.emplace_back(n);
    return out;
  }();
  shape.validate();
  return all[shape.log_instances];
}

std::string layer_prefix(const std::string& prefix, std::size_t layer) {
  const std::size_t round = kRounds - 1 - layer / 2;
  return prefix + "round" + std::to_string(round) + (layer % 2 == 0 ? "/product/" : "/powers/");
}

// inverse * (v - offset), on values or on linear forms.
std::array<E, kLanes> unapply(const LinearLayer& layer, const std::array<E, kLanes>& v,
                              const State& offset) {
  std::array<E, kLanes> out;
  for (std::size_t i = 0; i < kLanes; ++i) {
    out[i] = E::zero();
    for (std::size_t j = 0; j < kLanes; ++j) out[i] += (v[j] - E(offset[j])) * layer.inverse[i][j];
  }
  return out;
}

std::array<Form, kLanes> unapply(const LinearLayer& layer, const std::array<Form, kLanes>& v,
                                 const State& offset) {
  std::size_t terms = 0;
  for (const Form& f : v) terms += f.terms.size();
  std::array<Form, kLanes> out;
  for (std::size_t i = 0; i < kLanes; ++i) {
    Form& f = out[i];
    f.terms.reserve(terms);
    for (std::size_t j = 0; j < kLanes; ++j) {
      const Goldilocks m = layer.inverse[i][j];
      f.constant += (v[j].constant - E(offset[j])) * m;
      for (const auto& [slot, coeff] : v[j].terms) f.terms.emplace_back(slot, coeff * m);
    }
    f = detail::compact(std::move(f));
  }
  return out;
}

// The claimed tensor after round k's linear layer, minus what is added to it:
// the next round's constants, or nothing after the last round.
State offset_after(std::size_t round) {
  return round + 1 < kRounds ? round_constants(round + 1) : State{};
}

// Every value of a lane, cubed.
std::vector<Goldilocks> lane_cubes(std::span<const Goldilocks> lane) {
  std::vector<Goldilocks> out(lane.size());
  const std::size_t n = lane.size();
#pragma omp parallel for schedule(static) if (n >= sumcheck::kParallelThreshold)
  for (std::size_t x = 0; x < n; ++x) out[x] = lane[x].square() * lane[x];
  return out;
}

// The forward pass on eight instances at a time: lane j of instances
// first..first + 7 is one 64-byte run of the lane-major tensors.
ZK_TARGET_AVX512 void trace_eight(std::span<const Goldilocks> inputs, std::size_t n,
                                  std::size_t first, const std::array<State, kRounds>& constants,
                                  Poseidon2Trace& trace) {
  namespace simd = field::avx512;
  hash::avx512::PackedState<kLanes> s;
  for (std::size_t j = 0; j < kLanes; ++j) s[j] = simd::load(&inputs[j * n + first]);
  hash::avx512::external_layer<kLanes>(s);
  for (std::size_t k = 0; k < kRounds; ++k) {
    const bool full = is_full_round(k);
    for (std::size_t j = 0; j < kLanes; ++j) {
      s[j] = simd::add(s[j], simd::broadcast(constants[k][j]));
      simd::store(&trace.round_inputs[k][j * n + first], s[j]);
    }
    for (std::size_t j = 0; j < (full ? kLanes : 1); ++j) s[j] = hash::avx512::sbox(s[j]);
    if (full) {
      hash::avx512::external_layer<kLanes>(s);
    } else {
      hash::avx512::internal_layer<kLanes>(s);
    }
  }
  for (std::size_t j = 0; j < kLanes; ++j) simd::store(&trace.outputs[j * n + first], s[j]);
}

}  // namespace

// ---- The permutation ------------------------------------------------------------

const LinearLayer& external_linear_layer() {
  static const LinearLayer layer =
      make_layer(matrix_of([](State& s) { hash::poseidon2_external_layer<kLanes>(s); }));
  return layer;
}

const LinearLayer& internal_linear_layer() {
  static const LinearLayer layer =
      make_layer(matrix_of([](State& s) { hash::poseidon2_internal_layer<kLanes>(s); }));
  return layer;
}

bool is_full_round(std::size_t round) {
  return round < kHalfFullRounds || round >= kHalfFullRounds + hash::kPoseidon2InternalRounds;
}

State round_constants(std::size_t round) {
  if (round >= kRounds) fail("Poseidon2 circuit: round out of range");
  const auto& c = hash::poseidon2_constants<kLanes>();
  State out{};
  if (is_full_round(round)) {
    const std::size_t row =
        round < kHalfFullRounds ? round : round - hash::kPoseidon2InternalRounds;
    for (std::size_t j = 0; j < kLanes; ++j)
      out[j] = Goldilocks::from_canonical(c.external[row][j]);
  } else {
    out[0] = Goldilocks::from_canonical(c.internal[round - kHalfFullRounds]);
  }
  return out;
}

const LinearLayer& linear_layer_after(std::size_t round) {
  return is_full_round(round) ? external_linear_layer() : internal_linear_layer();
}

Poseidon2Trace compute_trace(const Poseidon2CircuitShape& shape,
                             std::span<const Goldilocks> inputs) {
  shape.validate();
  if (inputs.size() != shape.state_size()) fail("Poseidon2 circuit: input tensor size mismatch");
  const std::size_t n = shape.instances();
  std::array<State, kRounds> constants;
  for (std::size_t k = 0; k < kRounds; ++k) constants[k] = round_constants(k);
  Poseidon2Trace trace;
  trace.round_inputs.assign(kRounds, std::vector<Goldilocks>(shape.state_size()));
  trace.outputs.resize(shape.state_size());
  if (n >= field::avx512::kLanes && best_isa() == Isa::kAvx512) {
#pragma omp parallel for schedule(static) if (n >= 256)
    for (std::size_t i = 0; i < n; i += field::avx512::kLanes)
      trace_eight(inputs, n, i, constants, trace);
    return trace;
  }
#pragma omp parallel for schedule(static) if (n >= 256)
  for (std::size_t i = 0; i < n; ++i) {
    State s;
    for (std::size_t j = 0; j < kLanes; ++j) s[j] = inputs[j * n + i];
    hash::poseidon2_external_layer<kLanes>(s);
    for (std::size_t k = 0; k < kRounds; ++k) {
      const bool full = is_full_round(k);
      for (std::size_t j = 0; j < kLanes; ++j) {
        s[j] += constants[k][j];
        trace.round_inputs[k][j * n + i] = s[j];
      }
      for (std::size_t j = 0; j < (full ? kLanes : 1); ++j) s[j] = sbox(s[j]);
      if (full) {
        hash::poseidon2_external_layer<kLanes>(s);
      } else {
        hash::poseidon2_internal_layer<kLanes>(s);
      }
    }
    for (std::size_t j = 0; j < kLanes; ++j) trace.outputs[j * n + i] = s[j];
  }
  return trace;
}

// ---- Shape, pads, schema, proof ---------------------------------------------------

void Poseidon2CircuitShape::validate() const {
  if (log_instances > kMaxLogInstances) {
    fail("Poseidon2 circuit: log_instances " + std::to_string(log_instances) + " above " +
         std::to_string(kMaxLogInstances));
  }
}

void Poseidon2CircuitShape::write(ByteWriter& w) const {
  static constexpr char kTag[] = "zkinfer-poseidon2-12-gkr-v3";
  w.raw({reinterpret_cast<const std::uint8_t*>(kTag), sizeof(kTag) - 1});
  w.u32(log_instances);
}

const LayerShape& circuit_layer(const Poseidon2CircuitShape& shape, std::size_t layer) {
  if (layer >= kLayers) fail("Poseidon2 circuit: layer out of range");
  return layers_for(shape).at(layer);
}

Poseidon2CircuitPads allocate_pads(WitnessLayout& layout, const Poseidon2CircuitShape& shape) {
  const Layers& layers = layers_for(shape);
  Poseidon2CircuitPads pads;
  for (ExtSlots& s : pads.outputs) s = layout.allocate_ext<E>();
  for (std::size_t l = 0; l < kLayers; ++l) {
    pads.layers.push_back(allocate_layer_pads<E>(layout, layers.at(l)));
  }
  return pads;
}

void fill_pads(BaseWitness<E>& witness, const Poseidon2CircuitShape& shape,
               const Poseidon2CircuitPads& pads) {
  const Layers& layers = layers_for(shape);
  for (ExtSlots s : pads.outputs) sumcheck::draw_pad<E>(witness, s);
  for (std::size_t l = 0; l < kLayers; ++l) fill_layer_pads(witness, layers.at(l), pads.layers[l]);
}

void append_schema(hash::TranscriptSchema& schema, const std::string& prefix,
                   const Poseidon2CircuitShape& shape) {
  const Layers& layers = layers_for(shape);
  schema.squeeze(prefix + "output-point", hash::ValueType::field<E>());
  schema.absorb(prefix + "output-evaluations", hash::ValueType::field<E>());
  for (std::size_t l = 0; l < kLayers; ++l) {
    append_layer_schema<E>(schema, layer_prefix(prefix, l), layers.at(l));
  }
}

void Poseidon2CircuitProof::write(ByteWriter& w) const {
  for (const E& v : output_evaluations) v.write(w);
  for (const auto& layer : layers) layer.write(w);
}

Poseidon2CircuitProof Poseidon2CircuitProof::read(ByteReader& r,
                                                  const Poseidon2CircuitShape& shape) {
  const Layers& layers = layers_for(shape);
  Poseidon2CircuitProof proof;
  for (E& v : proof.output_evaluations) v = E::read(r);
  for (std::size_t l = 0; l < kLayers; ++l) {
    proof.layers.push_back(LayerProof<E>::read(r, layers.at(l)));
  }
  return proof;
}

// ---- Prover and verifier -----------------------------------------------------------

Poseidon2ProverOutput prove(const Poseidon2CircuitShape& shape, std::span<const Goldilocks> inputs,
                            const Poseidon2CircuitPads& pads, const BaseWitness<E>& witness,
                            hash::Transcript& transcript, const std::string& prefix,
                            const Poseidon2Tamper& tamper) {
  const Layers& layers = layers_for(shape);
  if (pads.layers.size() != kLayers) fail("Poseidon2 circuit prove: pads of another shape");
  Poseidon2Trace trace = compute_trace(shape, inputs);
  if (tamper.trace) tamper.trace(trace);
  const std::size_t n = shape.instances();

  Poseidon2ProverOutput out;
  std::vector<E> point = transcript.challenges<E>(prefix + "output-point", shape.log_instances);
  out.claims.outputs.point = point;
  {
    const std::vector<E> eq = sumcheck::eq_table_parallel<E>(point);
    for (std::size_t j = 0; j < kLanes; ++j) {
      const E value = inner_product<E, Goldilocks>(
          eq, std::span<const Goldilocks>(trace.outputs.data() + j * n, n));
      out.claims.outputs.lanes[j] = value;
      out.proof.output_evaluations[j] = value + sumcheck::read_ext<E>(witness, pads.outputs[j]);
    }
  }
  transcript.absorb_field<E>(prefix + "output-evaluations", out.proof.output_evaluations);

  std::array<E, kLanes> lanes{};
  for (std::size_t l = 0; l < kLayers; l += 2) {
    const std::size_t round = kRounds - 1 - l / 2;
    const bool full = is_full_round(round);
    const std::vector<Goldilocks>& u = trace.round_inputs[round];
    const auto round_tamper = [&](std::size_t layer) -> sumcheck::RoundTamper<E> {
      if (!tamper.round) return {};
      return [&tamper, layer](unsigned r, std::vector<E>& evals) { tamper.round(layer, r, evals); };
    };

    // The lanes of u, read in place; c_j = u_j^3 for the S-box lanes.
    std::vector<std::span<const Goldilocks>> lanes_of_u;
    for (std::size_t j = 0; j < kLanes; ++j) lanes_of_u.push_back(std::span(u).subspan(j * n, n));
    std::vector<std::vector<Goldilocks>> cubes;
    for (std::size_t j = 0; j < (full ? kLanes : 1); ++j)
      cubes.push_back(lane_cubes(lanes_of_u[j]));

    // Inputs: the cubes, then every lane (x_j for the S-box lanes, identity
    // wires for the others).
    std::vector<std::span<const Goldilocks>> product_inputs(cubes.begin(), cubes.end());
    product_inputs.insert(product_inputs.end(), lanes_of_u.begin(), lanes_of_u.end());
    auto product = prove_layer(layers.at(l), {point}, product_inputs, pads.layers[l], witness,
                               transcript, layer_prefix(prefix, l), round_tamper(l));
    out.proof.layers.push_back(std::move(product.proof));
    auto powers =
        prove_layer(layers.at(l + 1), {product.point}, lanes_of_u, pads.layers[l + 1], witness,
                    transcript, layer_prefix(prefix, l + 1), round_tamper(l + 1));
    out.proof.layers.push_back(std::move(powers.proof));
    point = std::move(powers.point);
    std::copy(powers.inputs.begin(), powers.inputs.end(), lanes.begin());
  }
  out.claims.inputs.point = point;
  out.claims.inputs.lanes = unapply(external_linear_layer(), lanes, round_constants(0));
  return out;
}

Poseidon2Claims<Form> verify(const Poseidon2CircuitShape& shape, const Poseidon2CircuitProof& proof,
                             const Poseidon2CircuitPads& pads, hash::Transcript& transcript,
                             const std::string& prefix, pcs::Constraints& cs) {
  const Layers& layers = layers_for(shape);
  if (proof.layers.size() != kLayers) fail("Poseidon2 circuit proof: wrong number of layers");
  if (pads.layers.size() != kLayers) fail("Poseidon2 circuit verify: pads of another shape");

  Poseidon2Claims<Form> claims;
  std::vector<E> point = transcript.challenges<E>(prefix + "output-point", shape.log_instances);
  transcript.absorb_field<E>(prefix + "output-evaluations", proof.output_evaluations);
  claims.outputs.point = point;
  for (std::size_t j = 0; j < kLanes; ++j) {
    Form f = Form::constant_value(proof.output_evaluations[j]);
    f.add_ext(pads.outputs[j], -E::one());
    claims.outputs.lanes[j] = std::move(f);
  }

  std::array<Form, kLanes> lanes = claims.outputs.lanes;
  for (std::size_t l = 0; l < kLayers; l += 2) {
    const std::size_t round = kRounds - 1 - l / 2;
    // The S-box outputs w^round at `point`, from the claims on the tensor after its linear layer.
    const std::array<Form, kLanes> sbox_out =
        unapply(linear_layer_after(round), lanes, offset_after(round));

    // In a partial round the claims on lanes 1..11 are the identity gates'.
    const std::vector<Form> product_claims(sbox_out.begin(), sbox_out.end());
    const LayerClaims<E> product =
        verify_layer(layers.at(l), {point}, product_claims, proof.layers[l], pads.layers[l],
                     transcript, layer_prefix(prefix, l), cs);
    const LayerClaims<E> powers =
        verify_layer(layers.at(l + 1), {product.point}, product.inputs, proof.layers[l + 1],
                     pads.layers[l + 1], transcript, layer_prefix(prefix, l + 1), cs);
    point = powers.point;
    std::copy(powers.inputs.begin(), powers.inputs.end(), lanes.begin());
  }
  claims.inputs.point = point;
  claims.inputs.lanes = unapply(external_linear_layer(), lanes, round_constants(0));
  return claims;
}

void settle_state_claim(pcs::Constraints& cs, const StateClaim<Form>& claim,
                        const Poseidon2CircuitShape& shape, Slot first) {
  shape.validate();
  const std::size_t n = shape.instances();
  const std::vector<Challenge> eq = poly::eq_table<Challenge>(claim.point);
  for (std::size_t j = 0; j < kLanes; ++j) {
    cs.require_zero(pcs::mle_evaluation_claim_from_eq(first + j * n, eq, claim.lanes[j]));
  }
}

void settle_claims(pcs::Constraints& cs, const Poseidon2Claims<Form>& claims,
                   const Poseidon2CircuitShape& shape, Slot inputs_first, Slot outputs_first) {
  settle_state_claim(cs, claims.inputs, shape, inputs_first);
  settle_state_claim(cs, claims.outputs, shape, outputs_first);
}

double soundness_error(const Poseidon2CircuitShape& shape) {
  const Layers& layers = layers_for(shape);
  const double field_size = std::pow(static_cast<double>(Goldilocks::kModulus), 2.0);
  double error = static_cast<double>(shape.log_instances) / field_size;
  for (std::size_t l = 0; l < kLayers; ++l) error += layer_soundness_error<E>(layers.at(l));
  return error;
}

}  // namespace zkinfer::gkr
