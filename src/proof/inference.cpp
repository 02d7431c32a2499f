// SPDX-License-Identifier: Apache-2.0
#include "proof/inference.hpp"

#include <cmath>

#include "base/error.hpp"
#include "model/int_executor.hpp"
#include "pcs/ligero.hpp"
#include "pcs/ligero_params.hpp"
#include "proof/input.hpp"

namespace zkinfer::proof {
namespace {

using field::Goldilocks;
using sumcheck::BaseWitness;

constexpr std::uint32_t kProofMagic = 0x46504b5a;  // "ZKPF"
// The range tables the batch may build: the widest is chosen between these
// for the model's checks (LookupRequests::cheapest_table_bits), wider checks
// are split into limbs of that width. 8 covers an int8 weight in one lookup.
constexpr unsigned kMinTableBits = 8;
constexpr unsigned kMaxTableBits = 16;
const std::string kModelIdPrefix = "model-id/";
const std::string kInputPrefix = "input/";
const std::string kRangePrefix = "ranges/";

std::string node_prefix(std::size_t node) {
  return "node/" + std::to_string(node) + "/";
}

void write_values(BaseWitness<Challenge>& witness, Slot first,
                  std::span<const std::int32_t> values) {
  for (std::size_t i = 0; i < values.size(); ++i)
    witness.at(first + i) = Goldilocks::from_i64(values[i]);
}

Bytes statement_bytes(const Statement& statement) {
  ByteWriter w;
  statement.write(w);
  return w.take();
}

// The architecture run on `batch` inputs at once: every tensor's leading
// (batch) dimension multiplied. Refused where an operator acts across the
// batch dimension.
model::QuantizedModel batched(model::QuantizedModel model, std::uint32_t batch) {
  if (batch == 0 || batch > kMaxBatch)
    fail("batch size " + std::to_string(batch) + " outside 1.." + std::to_string(kMaxBatch));
  if (batch == 1) return model;
  for (model::QTensor& t : model.tensors) {
    // Rank 1 is refused too: broadcasting aligns the last dimensions, so a
    // [1] tensor scaled to [batch] would pair with the wrong axis.
    if (t.shape.size() < 2 || t.shape[0] != 1)
      fail("batching: tensor '" + t.name + "' of shape " + ops::shape_string(t.shape) +
           " has no leading batch dimension of 1");
    t.shape[0] = batch;
  }
  for (const model::QNode& node : model.nodes) {
    const auto* t = std::get_if<model::QTranspose>(&node.op);
    const auto* c = std::get_if<model::QConcat>(&node.op);
    const auto* s = std::get_if<model::QSoftmax>(&node.op);
    if ((t && t->perm.at(0) != 0) || (c && c->axis == 0) || (s && s->params.axis == 0))
      fail("batching: node '" + node.name + "' acts across the batch dimension");
  }
  return model;
}

}  // namespace

// ---- Statement and file -------------------------------------------------------------

void Statement::write(ByteWriter& w) const {
  w.u32(kProofFormatVersion);
  w.u32(batch);
  hash::write_poseidon2_digest(w, model_id);
  w.raw(arch_digest.bytes);
  hash::write_poseidon2_digest(w, input_commitment);
  w.u64(output.size());
  for (std::int32_t v : output) w.u32(static_cast<std::uint32_t>(v));
}

Statement Statement::read(ByteReader& r) {
  const std::uint32_t version = r.u32("proof format version");
  if (version != kProofFormatVersion)
    fail("proof format version " + std::to_string(version) + " unsupported (expected " +
         std::to_string(kProofFormatVersion) + ")");
  Statement s;
  s.batch = r.u32("batch size");
  if (s.batch == 0 || s.batch > kMaxBatch)
    fail("batch size " + std::to_string(s.batch) + " outside 1.." + std::to_string(kMaxBatch));
  s.model_id = hash::read_poseidon2_digest(r);
  const ByteSpan arch = r.raw(s.arch_digest.bytes.size(), "architecture digest");
  std::copy(arch.begin(), arch.end(), s.arch_digest.bytes.begin());
  s.input_commitment = hash::read_poseidon2_digest(r);
  const std::uint64_t count = r.u64("output length");
  if (count > r.remaining() / 4) fail("output length exceeds the proof");
  s.output.resize(static_cast<std::size_t>(count));
  for (std::int32_t& v : s.output) v = static_cast<std::int32_t>(r.u32("output value"));
  return s;
}

Bytes serialize_proof(const InferenceProof& proof) {
  ByteWriter w;
  w.u32(kProofMagic);
  proof.statement.write(w);
  w.raw(proof.commitment.root.bytes);
  w.blob(proof.sub_proofs);
  w.blob(proof.constraint_proof);
  return w.take();
}

InferenceProof parse_proof(ByteSpan bytes) {
  ByteReader r(bytes);
  if (r.u32("proof magic") != kProofMagic) fail("not a zkinfer proof (bad magic)");
  InferenceProof proof;
  proof.statement = Statement::read(r);
  const ByteSpan root = r.raw(proof.commitment.root.bytes.size(), "commitment");
  std::copy(root.begin(), root.end(), proof.commitment.root.bytes.begin());
  for (Bytes* part : {&proof.sub_proofs, &proof.constraint_proof}) {
    const ByteSpan blob = r.blob("proof part");
    part->assign(blob.begin(), blob.end());
  }
  r.expect_end("proof");
  return proof;
}

// ---- The circuit ----------------------------------------------------------------------

InferenceCircuit::InferenceCircuit(const model::QuantizedModel& architecture, std::uint32_t batch)
    : batch_(batch),
      single_architecture_(model::serialize_architecture(architecture)),
      arch_digest_(model::architecture_digest(architecture)),
      arch_(batched(architecture, batch)) {
  arch_.validate();
  const auto elements = [&](model::TensorId id) {
    return ops::element_count(arch_.tensors[id].shape);
  };
  tensor_slots_.assign(arch_.tensors.size(), 0);
  tensor_slots_[arch_.input] = layout_.allocate(elements(arch_.input));
  lookup::LookupRequests requests;
  gkr::MessageSlots model_values;
  for (std::size_t i = 0; i < arch_.nodes.size(); ++i) {
    const model::QNode& node = arch_.nodes[i];
    try {
      plan_node(i, requests, model_values);
    } catch (const Error& e) {
      fail("node '" + node.name + "' (" + model::op_name(node.op) + "): " + e.what());
    }
  }
  model_shape_ = {kArchPrefixElements, model_message(arch_, false).segments};
  model_sponge_ = gkr::allocate(layout_, model_shape_, model_values);
  input_shape_ = {0, {{input_kind(arch_), elements(arch_.input)}}};
  input_sponge_ = gkr::allocate(layout_, input_shape_, {{tensor_slots_[arch_.input]}});
  add_range_checks(gkr::range_checks(model_shape_, model_sponge_), requests);
  add_range_checks(gkr::range_checks(input_shape_, input_sponge_), requests);
  limbed_ = requests.narrow(requests.cheapest_table_bits(kMinTableBits, kMaxTableBits), layout_);
  ranges_ = lookup::LookupBatch<Challenge>::allocate(layout_, std::move(requests));
}

void InferenceCircuit::plan_node(std::size_t i, lookup::LookupRequests& requests,
                                 gkr::MessageSlots& model_values) {
  const model::QNode& node = arch_.nodes[i];
  const Slot input = tensor_slots_[node.inputs[0]];
  const auto elements = [&](model::TensorId id) {
    return ops::element_count(arch_.tensors[id].shape);
  };
  const ops::Shape& input_shape = arch_.tensors[node.inputs[0]].shape;
  // The weights and bias of a Gemm or Conv: committed, and bound to model_id.
  const auto parameters = [&](const ops::IntTensor& weights, std::span<const std::int32_t> bias) {
    ops::MacOperands operands{input, layout_.allocate(weights.size()), !bias.empty(),
                              layout_.allocate(bias.size())};
    model_values.segment_first.push_back(operands.weight);
    model_values.segment_first.push_back(operands.bias);
    return operands;
  };
  const auto add = [&](const ops::MacOperands& operands, auto layout) {
    tensor_slots_[node.output] = layout.output();
    requests.append(layout.range_checks());
    proven_.push_back({i, operands.weight, operands.bias, std::move(layout)});
  };
  if (const auto* g = std::get_if<model::QGemm>(&node.op)) {
    const std::size_t outputs = g->weights.shape.at(0), inner = g->weights.shape.at(1);
    const ops::MacOperands operands = parameters(g->weights, g->bias);
    add(operands,
        ops::GemmLayout::allocate(layout_, {elements(node.inputs[0]) / inner, inner, outputs},
                                  g->quant, operands));
  } else if (const auto* c = std::get_if<model::QConv>(&node.op)) {
    const ops::MacOperands operands = parameters(c->weights, c->bias);
    add(operands,
        ops::ConvLayout::allocate(layout_, input_shape, c->weights.shape, c->params, operands));
  } else if (const auto* m = std::get_if<model::QMaxPool>(&node.op)) {
    add({}, ops::MaxLayout::pooling(layout_, input_shape, m->params, input));
  } else if (const auto* r = std::get_if<model::QRequantize>(&node.op)) {
    add({}, ops::requantize_layout(layout_, input_shape, input, r->input_zero_point, r->rescale));
  } else if (const auto* a = std::get_if<model::QAdd>(&node.op)) {
    add({}, ops::add_layout(layout_, input_shape, input, arch_.tensors[node.inputs.at(1)].shape,
                            tensor_slots_[node.inputs.at(1)], a->params, a->subtract));
  } else if (const auto* mul = std::get_if<model::QMul>(&node.op)) {
    // |value - zero point| within each operand's quantization range, which
    // its producer's proof enforces.
    const auto operand = [&](model::TensorId id, std::int32_t zero_point) {
      const ops::QuantParams& q = arch_.tensors[id].quant;
      return ops::MulOperand{
          arch_.tensors[id].shape, tensor_slots_[id],
          std::max<std::int64_t>(std::int64_t{q.hi} - zero_point, std::int64_t{zero_point} - q.lo)};
    };
    add({}, ops::MulLayout::allocate(layout_, operand(node.inputs[0], mul->params.a_zero_point),
                                     operand(node.inputs.at(1), mul->params.b_zero_point),
                                     mul->params));
  } else if (const auto* softmax = std::get_if<model::QSoftmax>(&node.op)) {
    add({}, ops::SoftmaxLayout::allocate(layout_, input_shape, input, softmax->params));
  } else if (const auto* table = std::get_if<model::QTable>(&node.op)) {
    add({}, ops::TableLayout::allocate(layout_, input_shape, input, table->table));
  } else if (const auto* ap = std::get_if<model::QAveragePool>(&node.op)) {
    add({},
        ops::average_pool_layout(layout_, input_shape, input, ap->params, ap->quant, ap->global));
  } else if (const auto* t = std::get_if<model::QTranspose>(&node.op)) {
    add({}, ops::transpose_layout(layout_, input_shape, input, t->perm));
  } else if (const auto* cc = std::get_if<model::QConcat>(&node.op)) {
    std::vector<ops::Shape> shapes;
    std::vector<Slot> slots;
    for (model::TensorId id : node.inputs) {
      shapes.push_back(arch_.tensors[id].shape);
      slots.push_back(tensor_slots_[id]);
    }
    add({}, ops::concat_layout(layout_, shapes, slots, cc->axis));
  } else if (std::holds_alternative<model::QReshape>(node.op)) {
    tensor_slots_[node.output] = input;  // same values, same order
  } else {
    fail("no proof for this operator yet");
  }
}

void InferenceCircuit::add_range_checks(const std::vector<gkr::RangeCheck>& checks,
                                        lookup::LookupRequests& requests) {
  for (const gkr::RangeCheck& c : checks)
    for (std::size_t i = 0; i < c.count; ++i) requests.add(c.bits, {c.first + i, 1, c.offset});
}

const InferenceCircuit::ProvenNode& InferenceCircuit::proven(std::size_t node) const {
  for (const ProvenNode& p : proven_)
    if (p.node == node) return p;
  fail("node " + std::to_string(node) + " has no operator proof");
}

Slot InferenceCircuit::weight_slot(std::size_t node) const {
  return proven(node).weights;
}

Slot InferenceCircuit::bias_slot(std::size_t node) const {
  return proven(node).bias;
}

hash::TranscriptSchema InferenceCircuit::schema(const pcs::Ligero& ligero) const {
  hash::TranscriptSchema schema("zkinfer-inference/v1");
  ligero.schema_commitment(schema);
  for (const ProvenNode& p : proven_)
    std::visit([&](const auto& layout) { layout.append_schema(schema, node_prefix(p.node)); },
               p.layout);
  gkr::append_schema(schema, kModelIdPrefix, model_shape_);
  gkr::append_schema(schema, kInputPrefix, input_shape_);
  ranges_.append_schema(schema, kRangePrefix);
  ligero.schema_proof(schema, layout_);
  return schema;
}

std::vector<InferenceCircuit::SoundnessTerm> InferenceCircuit::soundness(
    const pcs::Ligero& ligero) const {
  std::vector<SoundnessTerm> terms;
  static constexpr const char* kProtocols[] = {
      "Gemm: matmul + clamp sumchecks",   "Conv: tap + clamp sumchecks",
      "MaxPool: selector zero-check",     "affine accumulators + clamp sumcheck",
      "copy at a random point",           "Mul: product + clamp sumchecks",
      "table: rows in the batched LogUp", "Softmax: maxima, division zero-check, clamp"};
  for (const ProvenNode& p : proven_)
    terms.push_back(
        {"node " + std::to_string(p.node) + " '" + arch_.nodes[p.node].name + "' (" +
             kProtocols[p.layout.index()] + ")",
         std::visit([](const auto& layout) { return layout.soundness_error(); }, p.layout)});
  terms.push_back({"model_id sponge circuit", gkr::soundness_error(model_shape_)});
  terms.push_back({"input commitment sponge circuit", gkr::soundness_error(input_shape_)});
  terms.push_back(
      {"range checks and table lookups (one LogUp-GKR)", lookup::soundness_error(ranges_.shape())});
  const pcs::LigeroSecurity security = pcs::ligero_security(ligero.params_for(layout_));
  terms.push_back(
      {"ZK-Ligero (proximity, linear, quadratic tests)", std::exp2(-security.total_bits)});
  double total = 0;
  for (const SoundnessTerm& t : terms) total += t.error;
  terms.push_back({"total (union bound)", total});
  return terms;
}

Bytes InferenceCircuit::parameters() const {
  ByteWriter w;
  w.u32(kProofFormatVersion);
  w.u32(batch_);
  w.u64(layout_.size());
  model_shape_.write(w);
  input_shape_.write(w);
  return w.take();
}

Statement InferenceCircuit::fill(BaseWitness<Challenge>& witness, const ModelPackage& package,
                                 const ops::IntTensor& input,
                                 const hash::CommitmentSalt& input_salt,
                                 const std::function<void(BaseWitness<Challenge>&)>& tamper) const {
  if (model::serialize_architecture(package.model) != single_architecture_)
    fail("prover: the package's model does not have this circuit's architecture");
  if (input.shape != arch_.tensors[arch_.input].shape)
    fail("prover: the inputs do not have the batched input shape " +
         ops::shape_string(arch_.tensors[arch_.input].shape));
  witness.assign(layout_.size(), Goldilocks());
  std::vector<ops::IntTensor> values(arch_.tensors.size());
  values[arch_.input] = input;
  write_values(witness, tensor_slots_[arch_.input], input.values);
  for (std::size_t i = 0; i < arch_.nodes.size(); ++i) {
    const model::QNode& node = package.model.nodes[i];
    const ops::IntTensor& in = values[node.inputs[0]];
    ops::IntTensor& out = values[node.output];
    const auto write_parameters = [&](const auto& op) {
      write_values(witness, proven(i).weights, op.weights.values);
      write_values(witness, proven(i).bias, op.bias);
    };
    if (std::holds_alternative<model::QReshape>(node.op)) {
      out.values = in.values;
    } else if (const auto* g = std::get_if<model::QGemm>(&node.op)) {
      write_parameters(*g);
      const auto& gemm = std::get<ops::GemmLayout>(proven(i).layout);
      const ops::GemmShape& shape = gemm.shape();
      out = gemm.fill(witness, {{shape.rows, shape.inner}, in.values}, g->weights, g->bias);
    } else if (const auto* c = std::get_if<model::QConv>(&node.op)) {
      write_parameters(*c);
      out = std::get<ops::ConvLayout>(proven(i).layout).fill(witness, in, c->weights, c->bias);
    } else if (const auto* pool = std::get_if<ops::MaxLayout>(&proven(i).layout)) {
      out.values = pool->fill(witness, in.values);
    } else if (const auto* affine = std::get_if<ops::AffineRequantLayout>(&proven(i).layout)) {
      out.values = affine->fill(witness);
    } else if (const auto* product = std::get_if<ops::MulLayout>(&proven(i).layout)) {
      out.values = product->fill(witness);
    } else if (const auto* table = std::get_if<ops::TableLayout>(&proven(i).layout)) {
      out.values = table->fill(witness);
    } else if (const auto* softmax = std::get_if<ops::SoftmaxLayout>(&proven(i).layout)) {
      out.values = softmax->fill(witness, in.values);
    } else {
      out.values = std::get<ops::CopyLayout>(proven(i).layout).fill(witness);
    }
    out.shape = arch_.tensors[node.output].shape;
  }
  // Each input through the reference executor on its own: the batched
  // circuit must give the concatenation of their outputs.
  const ops::IntTensor& output = values[arch_.output];
  const std::size_t per_input = input.size() / batch_;
  std::vector<std::int32_t> reference;
  for (std::size_t b = 0; b < batch_; ++b) {
    const auto first = input.values.begin() + static_cast<std::ptrdiff_t>(b * per_input);
    const ops::IntTensor one{package.model.tensors[package.model.input].shape,
                             {first, first + static_cast<std::ptrdiff_t>(per_input)}};
    const auto y = model::execute_quantized(package.model, one).output(package.model).values;
    reference.insert(reference.end(), y.begin(), y.end());
  }
  if (output.values != reference)
    fail("prover: the circuit's output differs from the integer reference executor (a bug)");

  Statement statement;
  statement.batch = batch_;
  statement.arch_digest = arch_digest_;
  statement.model_id = gkr::fill(witness, model_shape_, model_sponge_, hash::kModelCommitmentTag,
                                 package.salt, arch_prefix(statement.arch_digest));
  statement.input_commitment =
      gkr::fill(witness, input_shape_, input_sponge_, hash::kInputCommitmentTag, input_salt, {});
  statement.output = output.values;
  if (tamper) tamper(witness);

  lookup::fill_limbs<Challenge>(witness, limbed_);
  ranges_.fill(witness);
  return statement;
}

void InferenceCircuit::prove(const BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                             PhaseTimes& times, ByteWriter& out) const {
  for (const ProvenNode& p : proven_)
    std::visit(
        [&](const auto& layout) {
          layout.prove(witness, transcript, node_prefix(p.node)).write(out);
        },
        p.layout);
  times.lap("operators");
  gkr::prove(model_shape_, model_sponge_, hash::kModelCommitmentTag, arch_prefix(arch_digest_),
             witness, transcript, kModelIdPrefix)
      .write(out);
  times.lap("model-id sponge");
  gkr::prove(input_shape_, input_sponge_, hash::kInputCommitmentTag, {}, witness, transcript,
             kInputPrefix)
      .write(out);
  times.lap("input sponge");
  ranges_.prove(witness, transcript, kRangePrefix).write(out);
  times.lap("lookups");
}

void InferenceCircuit::constrain(const Statement& statement, ByteReader& in,
                                 hash::Transcript& transcript, pcs::Constraints& cs) const {
  const std::size_t outputs = ops::element_count(arch_.tensors[arch_.output].shape);
  if (statement.output.size() != outputs)
    fail("statement: " + std::to_string(statement.output.size()) +
         " output values, the model has " + std::to_string(outputs));
  for (const ProvenNode& p : proven_)
    std::visit(
        [&](const auto& layout) {
          layout.verify(layout.read_proof(in), transcript, node_prefix(p.node), cs);
        },
        p.layout);
  const gkr::SpongeStatement model_id{hash::kModelCommitmentTag, arch_prefix(statement.arch_digest),
                                      statement.model_id};
  gkr::verify(model_shape_, model_sponge_, model_id, gkr::SpongeProof::read(in, model_shape_),
              transcript, kModelIdPrefix, cs);
  const gkr::SpongeStatement input{hash::kInputCommitmentTag, {}, statement.input_commitment};
  gkr::verify(input_shape_, input_sponge_, input, gkr::SpongeProof::read(in, input_shape_),
              transcript, kInputPrefix, cs);
  ranges_.verify(ranges_.read_proof(in), transcript, kRangePrefix, cs);

  lookup::require_limbs(limbed_, cs);
  const Slot output = tensor_slots_[arch_.output];
  for (std::size_t i = 0; i < outputs; ++i) {
    pcs::LinearForm form =
        pcs::LinearForm::constant_value(-Challenge::from_i64(statement.output[i]));
    form.add_term(output + i, Challenge::one());
    cs.require_zero(std::move(form));
  }
}

// ---- Prover and verifier ----------------------------------------------------------------

PhaseTimes::PhaseTimes() : start_(std::chrono::steady_clock::now()) {}

void PhaseTimes::lap(std::string name) {
  const auto now = std::chrono::steady_clock::now();
  phases_.emplace_back(std::move(name), std::chrono::duration<double>(now - start_).count());
  start_ = now;
}

ProveResult prove_inference(const ModelPackage& package, std::span<const ops::IntTensor> inputs,
                            const ProverTamper& tamper) {
  if (inputs.empty() || inputs.size() > kMaxBatch)
    fail("prover: " + std::to_string(inputs.size()) + " inputs (1 to " + std::to_string(kMaxBatch) +
         " per proof)");
  ProveResult result;
  // The prover builds its circuit from the public architecture, exactly as
  // the verifier will from the card.
  const InferenceCircuit circuit(
      model::parse_architecture_bytes(model::serialize_architecture(package.model)),
      static_cast<std::uint32_t>(inputs.size()));
  const model::QTensor& input_tensor = package.model.tensors[package.model.input];
  std::vector<std::int32_t> values;
  for (const ops::IntTensor& x : inputs) {
    if (x.shape != input_tensor.shape)
      fail("prover: an input of shape " + ops::shape_string(x.shape) + ", the model takes " +
           ops::shape_string(input_tensor.shape));
    values.insert(values.end(), x.values.begin(), x.values.end());
  }
  const ops::IntTensor input{circuit.architecture().tensors[circuit.architecture().input].shape,
                             std::move(values)};
  const pcs::Ligero ligero;
  result.times.lap("circuit");
  result.input_salt = hash::draw_commitment_salt();
  BaseWitness<Challenge> witness;
  result.proof.statement =
      circuit.fill(witness, package, input, result.input_salt,
                   tamper.witness ? [&](BaseWitness<Challenge>& w) { tamper.witness(circuit, w); }
                                  : std::function<void(BaseWitness<Challenge>&)>{});
  result.output = {circuit.architecture().tensors[circuit.architecture().output].shape,
                   result.proof.statement.output};

  hash::Transcript transcript(circuit.schema(ligero), statement_bytes(result.proof.statement),
                              circuit.parameters());
  result.times.lap("witness");
  pcs::CommitResult committed = ligero.commit(witness, circuit.layout());
  result.times.lap("commitment");
  ligero.absorb_commitment(committed.commitment, transcript);
  result.proof.commitment = committed.commitment;
  hash::Transcript replay = transcript;
  ByteWriter body;
  circuit.prove(witness, transcript, result.times, body);
  // The constraints the verifier will derive, from a replay of its side.
  pcs::Constraints cs;
  ByteReader sub_proofs(body.bytes());
  circuit.constrain(result.proof.statement, sub_proofs, replay, cs);
  sub_proofs.expect_end("sub-proofs");
  result.times.lap("constraints");
  result.proof.constraint_proof = ligero.prove(std::move(committed.prover_data), cs, transcript);
  transcript.finish();
  result.times.lap("ligero proof");
  result.proof.sub_proofs = body.take();
  return result;
}

Verdict verify_inference(const ModelCard& card, const InferenceProof& proof) {
  const Statement& statement = proof.statement;
  if (statement.model_id != card.model_id)
    return {false, "the proof is about model_id " + digest_hex(statement.model_id) +
                       ", the card certifies " + digest_hex(card.model_id)};
  if (statement.arch_digest != card.arch_digest)
    return {false, "the proof is about another architecture than the card's"};
  // Checked before the batched circuit is built, so a forged batch size
  // costs the verifier nothing.
  const model::QuantizedModel& arch = card.architecture;
  const std::size_t per_input = ops::element_count(arch.tensors.at(arch.output).shape);
  if (statement.output.size() != per_input * statement.batch)
    return {false, "the statement discloses " + std::to_string(statement.output.size()) +
                       " output values for a batch of " + std::to_string(statement.batch) +
                       " (the model has " + std::to_string(per_input) + " per input)"};
  try {
    const InferenceCircuit circuit(card.architecture, statement.batch);
    const pcs::Ligero ligero;
    hash::Transcript transcript(circuit.schema(ligero), statement_bytes(statement),
                                circuit.parameters());
    ligero.absorb_commitment(proof.commitment, transcript);
    ByteReader reader(proof.sub_proofs);
    pcs::Constraints cs;
    circuit.constrain(statement, reader, transcript, cs);
    reader.expect_end("sub-proofs");
    if (!ligero.verify(proof.commitment, circuit.layout(), cs, proof.constraint_proof, transcript))
      return {false,
              "the committed witness does not satisfy the model's relations for this statement"};
    transcript.finish();
    return {true, ""};
  } catch (const Error& e) {
    return {false, std::string("malformed proof: ") + e.what()};
  }
}

}  // namespace zkinfer::proof
