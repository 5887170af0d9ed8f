// Grouped 1x1 convolutions of channels-last float activations on the CPU, as
// products of row-major matrices whose columns split into `groups` equal
// blocks: [rows, groups * k] x (one [k, n] matrix per group) -> [rows,
// groups * n]. Each row is read once for all groups, the products of a
// group being too thin (12 to 48 channels) for BLAS or oneDNN to run near
// the memory's speed (grouped_pointwise.cc says how much).
#pragma once

#include <ATen/core/Tensor.h>

#include "depthwise_rows.h"

namespace dresnet {

// Whether this CPU runs the kernels (AVX2 and FMA); callers fall back to ATen otherwise.
bool groupedPointwiseSupported();
// Whether they run 16-lane AVX-512 tiles (else 8-lane AVX2): same results, about twice the speed.
bool groupedPointwiseWide();

// a [rows, groups * k] contiguous float; b [groups, k, n] (any strides: it is packed); bias
// [groups * n] or undefined -> clamp(a_g b_g + bias_g) [rows, groups * n].
// `parallel` false keeps a small product on the calling thread.
at::Tensor groupedRowsProduct(const at::Tensor& a, const at::Tensor& b, const at::Tensor& bias, Clamp clamp, bool parallel = true);

// a [rows, groups * k], d [rows, groups * n] contiguous float -> [groups, k, n]:
// a_g^T d_g, summed over fixed blocks of rows in a fixed order, so the result
// does not depend on the thread count.
at::Tensor groupedRowsGram(const at::Tensor& a, const at::Tensor& d, int64_t groups, bool parallel = true);

}  // namespace dresnet
