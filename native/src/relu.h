// ATen's ReLU and ReLU-gradient semantics, one element at a time, for the
// fused kernels that must give the bits of the ops they replace.
#pragma once

namespace dresnet {

// at::relu: v < 0 ? 0 : v, which keeps a NaN and -0.
inline float reluOf(float v) { return v < 0.0f ? 0.0f : v; }

// at::threshold_backward(g, y, 0), ReluGrad: 0 where the activation y <= 0
// (-0 included), g where y is NaN.
inline float reluGradOf(float g, float y) { return y <= 0.0f ? 0.0f : g; }

}  // namespace dresnet
