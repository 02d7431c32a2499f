// SPDX-License-Identifier: Apache-2.0
#include "proof/input.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "base/atomic_file.hpp"
#include "base/error.hpp"

namespace zkinfer::proof {
namespace {

// An input file larger than this is not an inference input.
constexpr std::size_t kMaxInputBytes = std::size_t{1} << 30;
constexpr std::int64_t kMaxInputElements = std::int64_t{1} << 28;

}  // namespace

model::Tensor parse_tensor_json(const std::string& text, const std::string& what) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(what + ": not JSON (" + e.what() + ")");
  }
  if (!j.is_object() || j.size() != 2 || !j.contains("shape") || !j.contains("data"))
    fail(what + ": expected an object with exactly the keys \"shape\" and \"data\"");
  if (!j["shape"].is_array() || j["shape"].empty())
    fail(what + ": \"shape\" must be a non-empty array of dimensions");
  model::Tensor tensor;
  std::int64_t count = 1;
  for (const auto& d : j["shape"]) {
    if (!d.is_number_integer() || d.get<std::int64_t>() <= 0)
      fail(what + ": every dimension must be a positive integer");
    tensor.shape.push_back(d.get<std::int64_t>());
    if (tensor.shape.back() > kMaxInputElements / count) fail(what + ": shape too large");
    count *= tensor.shape.back();
  }
  if (!j["data"].is_array()) fail(what + ": \"data\" must be an array of numbers");
  if (static_cast<std::int64_t>(j["data"].size()) != count)
    fail(what + ": \"data\" has " + std::to_string(j["data"].size()) + " values, the shape holds " +
         std::to_string(count));
  tensor.data.reserve(static_cast<std::size_t>(count));
  for (const auto& v : j["data"]) {
    if (!v.is_number()) fail(what + ": \"data\" must hold numbers only");
    const double x = v.get<double>();
    if (!std::isfinite(static_cast<float>(x)))
      fail(what + ": value " + std::to_string(tensor.data.size()) + " is not a finite float32");
    tensor.data.push_back(static_cast<float>(x));
  }
  return tensor;
}

model::Tensor read_tensor_json(const std::string& path) {
  const Bytes bytes = read_file(path, kMaxInputBytes);
  return parse_tensor_json(std::string(bytes.begin(), bytes.end()), path);
}

hash::ValueKind input_kind(const model::QuantizedModel& model) {
  const ops::QuantParams& q = model.tensors[model.input].quant;
  if (q.lo >= -128 && q.hi <= 127) return hash::ValueKind::kInt8;
  if (q.lo >= 0 && q.hi <= 255) return hash::ValueKind::kUint8;
  fail("model input range [" + std::to_string(q.lo) + ", " + std::to_string(q.hi) +
       "] is neither int8 nor uint8");
}

hash::Poseidon2Digest compute_input_commitment(const model::QuantizedModel& model,
                                               const ops::IntTensor& input,
                                               const hash::CommitmentSalt& salt) {
  const hash::MessageSegment segment{input_kind(model), input.values.size()};
  const std::vector<std::int64_t> values(input.values.begin(), input.values.end());
  return hash::commitment(hash::kInputCommitmentTag, salt, {}, std::span(&segment, 1), values);
}

}  // namespace zkinfer::proof
