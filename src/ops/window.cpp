// SPDX-License-Identifier: Apache-2.0
#include "ops/window.hpp"

#include "base/error.hpp"

namespace zkinfer::ops {

void Window2d::validate(const std::string& op) const {
  static constexpr const char* kAxis[2] = {"height", "width"};
  for (std::size_t a = 0; a < 2; ++a) {
    const std::string axis = std::string(" along the ") + kAxis[a];
    if (kernel[a] == 0) fail(op + ": kernel size 0" + axis);
    if (strides[a] == 0) fail(op + ": stride 0" + axis);
    if (dilations[a] == 0) fail(op + ": dilation 0" + axis);
    const std::size_t span = dilations[a] * (kernel[a] - 1) + 1;
    for (std::size_t pad : {pads[a], pads[a + 2]}) {
      if (pad >= span) {
        fail(op + ": pad " + std::to_string(pad) + axis + " is not smaller than the window (" +
             std::to_string(span) + ")");
      }
    }
  }
}

std::size_t Window2d::output_extent(std::size_t axis, std::size_t input,
                                    const std::string& op) const {
  const std::size_t padded = input + pads[axis] + pads[axis + 2];
  const std::size_t span = dilations[axis] * (kernel[axis] - 1) + 1;
  if (padded < span) {
    fail(op + ": window of " + std::to_string(span) + " does not fit the padded input of " +
         std::to_string(padded) + (axis == 0 ? " rows" : " columns"));
  }
  return (padded - span) / strides[axis] + 1;
}

}  // namespace zkinfer::ops
