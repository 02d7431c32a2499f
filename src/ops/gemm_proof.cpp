// SPDX-License-Identifier: Apache-2.0
#include "ops/gemm_proof.hpp"

namespace zkinfer::ops {
namespace {

Shape as_image(std::size_t images, std::size_t channels) {
  return {images, channels, 1, 1};
}

}  // namespace

GemmLayout GemmLayout::allocate(WitnessLayout& layout, const GemmShape& shape,
                                const MacQuant& quant, const GemmOperands& operands,
                                unsigned range_bits) {
  if (shape.rows == 0 || shape.inner == 0 || shape.outputs == 0) fail("gemm proof: empty shape");
  quant.validate(shape.outputs, "gemm proof");
  ConvParams params;
  params.quant = quant;
  GemmLayout out;
  out.shape_ = shape;
  out.conv_ =
      ConvLayout::allocate(layout, as_image(shape.rows, shape.inner),
                           as_image(shape.outputs, shape.inner), params, operands, range_bits);
  return out;
}

IntTensor GemmLayout::fill(BaseWitness<Challenge>& witness, const IntTensor& input,
                           const IntTensor& weight, std::span<const std::int32_t> bias,
                           const RequantTamper& tamper) const {
  const auto [m, k, n] = shape_;
  if (input.shape != Shape{m, k} || weight.shape != Shape{n, k})
    fail("gemm proof: operands do not match the layout's shape");
  const IntTensor output = conv_.fill(witness, {as_image(m, k), input.values},
                                      {as_image(n, k), weight.values}, bias, tamper);
  return {{m, n}, output.values};
}

}  // namespace zkinfer::ops
