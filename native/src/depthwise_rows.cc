// A depthwise convolution over few pixels (a network's deep layers at batch
// 1) is mostly fixed cost in ATen 1.13 on channels-last CPU tensors, and ATen
// adds the bias and the activation in passes of their own. Here each output
// pixel is one pass over its window, the channels the inner, contiguous loop,
// with the bias and the clamp in the same pass. ops.cc sends it only the
// convolutions over few pixels (depthwiseRowsApply says why).
#include "depthwise_rows.h"

#include <ATen/Parallel.h>
#include <ATen/TensorIterator.h>  // at::internal::GRAIN_SIZE
#include <ATen/ops/empty.h>

#include <algorithm>

namespace dresnet {

namespace {

struct Rows {
  const float *x, *filter, *bias;
  float* y;
  int64_t height, width, c;
  RowWindow w;
  Clamp clamp;
};

// Output rows [first, end) (row = image * outH + oh).
void depthwiseRows(const Rows& r, int64_t first, int64_t end) {
  const RowWindow& w = r.w;
  const int64_t c = r.c;
  for (int64_t row = first; row < end; ++row) {
    const int64_t image = row / w.outH, oh = row % w.outH;
    const float* in = r.x + image * r.height * r.width * c;
    for (int64_t ow = 0; ow < w.outW; ++ow) {
      float* out = r.y + (row * w.outW + ow) * c;
      if (r.bias != nullptr) {
        std::copy(r.bias, r.bias + c, out);
      } else {
        std::fill(out, out + c, 0.0f);
      }
      for (int64_t i = 0; i < w.kh; ++i) {
        const int64_t ih = oh * w.sh - w.top + i * w.dh;
        if (ih < 0 || ih >= r.height) continue;
        for (int64_t j = 0; j < w.kw; ++j) {
          const int64_t iw = ow * w.sw - w.left + j * w.dw;
          if (iw < 0 || iw >= r.width) continue;
          const float* v = in + (ih * r.width + iw) * c;
          const float* f = r.filter + (i * w.kw + j) * c;
#pragma omp simd
          for (int64_t k = 0; k < c; ++k) out[k] += v[k] * f[k];
        }
      }
      const float lo = r.clamp.lo, hi = r.clamp.hi;
#pragma omp simd
      for (int64_t k = 0; k < c; ++k) out[k] = out[k] < lo ? lo : (out[k] > hi ? hi : out[k]);
    }
  }
}

}  // namespace

at::Tensor depthwiseRowsForward(const at::Tensor& input, const at::Tensor& filter, const at::Tensor& bias, const RowWindow& w,
                                Clamp clamp) {
  const at::Tensor x = input.contiguous();
  const int64_t n = x.size(0), c = x.size(3);
  at::Tensor y = at::empty({n, w.outH, w.outW, c}, x.options());
  const Rows rows{x.data_ptr<float>(), filter.data_ptr<float>(), bias.defined() ? bias.data_ptr<float>() : nullptr,
                  y.data_ptr<float>(), x.size(1), x.size(2), c, w, clamp};
  const int64_t rowWork = std::max<int64_t>(1, w.outW * c * w.kh * w.kw);
  // One task per output row: rows never share an output.
  at::parallel_for(0, n * w.outH, std::max<int64_t>(1, at::internal::GRAIN_SIZE / rowWork),
                   [&](int64_t first, int64_t end) { depthwiseRows(rows, first, end); });
  return y;
}

}  // namespace dresnet
