// Training-mode batch norm of channels-last activations on the CPU: the
// tensor as a contiguous [rows, C] matrix, normalised per column.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace dresnet {

// x [..., C] contiguous, scale and offset [C] -> y (x's shape), mean, invStd
// (biased batch variance), and with running statistics (momentum, PyTorch's
// unbiased-variance rule) their updates.
std::vector<at::Tensor> batchNormRowsForward(const at::Tensor& x, const at::Tensor& scale, const at::Tensor& offset,
                                             const at::Tensor& runningMean, const at::Tensor& runningVar, double momentum,
                                             double epsilon);

// dy, x [..., C] contiguous; scale, mean, invStd [C] -> dx, dScale, dOffset.
// With dyImage [N, 1, ..., 1, C] (x [N, ..., C]) the gradient is dy + dyImage,
// each element's sum rounded once, as by an Add before the call.
std::vector<at::Tensor> batchNormRowsBackward(const at::Tensor& dy, const at::Tensor& x, const at::Tensor& scale,
                                              const at::Tensor& mean, const at::Tensor& invStd,
                                              const at::Tensor& dyImage = at::Tensor());

// Inference form: x [..., C] contiguous; mean, variance, offset?, scale? [C]
// (undefined: 0 and 1) -> y = (x - mean) / sqrt(variance + epsilon) * scale + offset.
at::Tensor batchNormRowsInference(const at::Tensor& x, const at::Tensor& mean, const at::Tensor& variance,
                                  const at::Tensor& offset, const at::Tensor& scale, double epsilon);

}  // namespace dresnet
