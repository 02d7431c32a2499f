// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "hash/commitment.hpp"
#include "model/quantized_model.hpp"
#include "model/tensor.hpp"

// The private input of one inference and its commitment:
//
//   input_commitment = hash::commitment(kInputCommitmentTag, salt_in, {}, input)
//
// over the quantized input tensor (DESIGN §1), so the person the input
// belongs to can check, with their salt, that their data was used.
namespace zkinfer::proof {

// {"shape": [d0, d1, ...], "data": [x0, x1, ...]}: exactly these two keys,
// positive dimensions, as many finite numbers as the shape holds. Error
// naming `what` and the problem otherwise.
model::Tensor parse_tensor_json(const std::string& text, const std::string& what);
model::Tensor read_tensor_json(const std::string& path);

// The kind the model's input values are committed as (int8 or uint8, from
// the input tensor's quantization range); Error for any other range.
hash::ValueKind input_kind(const model::QuantizedModel& model);

hash::Poseidon2Digest compute_input_commitment(const model::QuantizedModel& model,
                                               const ops::IntTensor& input,
                                               const hash::CommitmentSalt& salt);

}  // namespace zkinfer::proof
