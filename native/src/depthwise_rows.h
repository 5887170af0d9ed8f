// Depthwise convolution (one filter per channel) of channels-last float
// activations on the CPU, with the bias and a clamp (ReLU: [0, inf), ReLU6:
// [0, 6]) applied in the same pass.
#pragma once

#include <ATen/core/Tensor.h>

#include "row_window.h"

namespace dresnet {

// The clamp after the bias; NaNs pass through, as in tfjs's and ATen's relu.
struct Clamp {
  float lo, hi;
};

// x [N, H, W, C] contiguous float, filter [kh, kw, C] contiguous, bias [C] or
// undefined -> clamp(conv + bias) [N, outH, outW, C].
at::Tensor depthwiseRowsForward(const at::Tensor& x, const at::Tensor& filter, const at::Tensor& bias, const RowWindow& w,
                                Clamp clamp);

}  // namespace dresnet
