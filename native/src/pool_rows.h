// Max pooling of channels-last float activations on the CPU, with tfjs's
// semantics: a NaN is skipped (it never compares greater), every window starts
// from -inf, and a window's gradient goes to the first position (row by row)
// that holds its max.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace dresnet {

// A pooling window over [N, H, W, C]: size, stride, dilation, the padding
// before the first row and column (the padding after follows from outH/outW).
struct PoolWindow {
  int64_t kh, kw, sh, sw, dh, dw, top, left, outH, outW;
};

// x [N, H, W, C] contiguous float -> y [N, outH, outW, C].
at::Tensor maxPoolRowsForward(const at::Tensor& x, const PoolWindow& w);

// dy and y [N, outH, outW, C], x [N, H, W, C], all contiguous float -> dx
// (x's shape). y is the forward's output: it says which value each window
// took, so the positions need not be found again by a second forward pass.
at::Tensor maxPoolRowsBackward(const at::Tensor& dy, const at::Tensor& x, const at::Tensor& y, const PoolWindow& w);

}  // namespace dresnet
