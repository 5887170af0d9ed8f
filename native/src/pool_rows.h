// Max pooling of channels-last float activations on the CPU, with tfjs's
// semantics: a NaN is skipped (it never compares greater), every window starts
// from -inf, and a window's gradient goes to the first position (row by row)
// that holds its max.
#pragma once

#include <ATen/core/Tensor.h>

#include "row_window.h"

namespace dresnet {

// x [N, H, W, C] contiguous float -> y [N, outH, outW, C].
at::Tensor maxPoolRowsForward(const at::Tensor& x, const RowWindow& w);

// dy and y [N, outH, outW, C], x [N, H, W, C], all contiguous float -> dx
// (x's shape). y is the forward's output: it says which value each window
// took, so the positions need not be found again by a second forward pass.
// With reluOutput (x's shape, contiguous float) the gradient is then passed
// back through that ReLU: 0 where reluOutput <= 0, as ReluGrad would.
at::Tensor maxPoolRowsBackward(const at::Tensor& dy, const at::Tensor& x, const at::Tensor& y, const RowWindow& w,
                               const at::Tensor& reluOutput = at::Tensor());

}  // namespace dresnet
