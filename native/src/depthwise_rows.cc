// A depthwise convolution over few pixels (a network's deep layers at batch
// 1) is mostly fixed cost in ATen 1.13 on channels-last CPU tensors, and ATen
// adds the bias and the activation in passes of their own. Here each output
// pixel is one pass over its window, the channels the inner, contiguous loop,
// with the bias and the clamp in the same pass. ops/convolution.cc sends it only the
// convolutions over few pixels (depthwiseRowsApply says why).
#include "depthwise_rows.h"

#include <ATen/ops/empty.h>

#include <algorithm>

namespace dresnet {

at::Tensor depthwiseRowsForward(const at::Tensor& input, const at::Tensor& filter, const at::Tensor& bias, const RowWindow& w,
                                Clamp clamp) {
  const at::Tensor x = input.contiguous();
  const int64_t n = x.size(0), height = x.size(1), width = x.size(2), c = x.size(3);
  at::Tensor y = at::empty({n, w.outH, w.outW, c}, x.options());
  const float *px = x.data_ptr<float>(), *pf = filter.data_ptr<float>();
  const float* pb = bias.defined() ? bias.data_ptr<float>() : nullptr;
  float* py = y.data_ptr<float>();
  forEachOutputPixel(w, n, c, [&](int64_t image, int64_t oh, int64_t ow, int64_t pixel) {
    const float* in = px + image * height * width * c;
    float* out = py + pixel * c;
    if (pb != nullptr) {
      std::copy(pb, pb + c, out);
    } else {
      std::fill(out, out + c, 0.0f);
    }
    forEachTap(w, height, width, oh, ow, [&](int64_t at, int64_t tap) {
      const float *v = in + at * c, *f = pf + tap * c;
#pragma omp simd
      for (int64_t k = 0; k < c; ++k) out[k] += v[k] * f[k];
    });
#pragma omp simd
    for (int64_t k = 0; k < c; ++k) out[k] = out[k] < clamp.lo ? clamp.lo : (out[k] > clamp.hi ? clamp.hi : out[k]);
  });
  return y;
}

}  // namespace dresnet
