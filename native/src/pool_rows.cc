// Why not ATen's max pooling here: it propagates NaNs where tfjs skips them
// (a pass of nan_to_num over the input first), and on channels-last tensors
// ATen 1.13's backward scatters one element at a time on one thread after a
// forward pass that finds the positions again (DResNet's stem pool at batch
// 32: 11-12 ms for the backward, 5.6 for the positions). Here the channels are
// the inner, contiguous loop of every window position, and the backward reads
// the positions off the forward's output.
#include "pool_rows.h"

#include "relu.h"

#include <ATen/ops/empty.h>
#include <ATen/ops/empty_like.h>

#include <algorithm>
#include <limits>
#include <vector>

namespace dresnet {
at::Tensor maxPoolRowsForward(const at::Tensor& input, const RowWindow& w) {
  const at::Tensor x = input.contiguous();
  const int64_t n = x.size(0), height = x.size(1), width = x.size(2), c = x.size(3);
  at::Tensor y = at::empty({n, w.outH, w.outW, c}, x.options());
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();
  forEachOutputPixel(w, n, c, [&](int64_t image, int64_t oh, int64_t ow, int64_t pixel) {
    const float* in = px + image * height * width * c;
    float* out = py + pixel * c;
    std::fill(out, out + c, -std::numeric_limits<float>::infinity());
    forEachTap(w, height, width, oh, ow, [&](int64_t at, int64_t) {
      const float* v = in + at * c;
#pragma omp simd
      for (int64_t k = 0; k < c; ++k) out[k] = v[k] > out[k] ? v[k] : out[k];
    });
  });
  return y;
}

at::Tensor maxPoolRowsBackward(const at::Tensor& dyIn, const at::Tensor& xIn, const at::Tensor& yIn, const RowWindow& w,
                               const at::Tensor& reluOutputIn) {
  const at::Tensor dy = dyIn.contiguous(), x = xIn.contiguous(), y = yIn.contiguous();
  const at::Tensor reluOutput = reluOutputIn.defined() ? reluOutputIn.contiguous() : reluOutputIn;
  const int64_t n = x.size(0), height = x.size(1), width = x.size(2), c = x.size(3), imageSize = height * width * c;
  at::Tensor dx = at::empty_like(x);
  const float *pdy = dy.data_ptr<float>(), *px = x.data_ptr<float>(), *py = y.data_ptr<float>();
  const float* relu = reluOutput.defined() ? reluOutput.data_ptr<float>() : nullptr;
  float* pdx = dx.data_ptr<float>();
  // One task per image: windows overlap within an image, never across. Each
  // image's gradient is zeroed by its task, so that it is in the cache when
  // the windows add to it and when the ReLU's mask goes over it.
  at::parallel_for(0, n, 1, [&](int64_t first, int64_t end) {
    // Per channel, 1 once the window's max has had its gradient (a float, so
    // that the channel loop is float selects and vectorises).
    std::vector<float> taken(static_cast<size_t>(c));
    for (int64_t image = first; image < end; ++image) {
      const float* in = px + image * imageSize;
      float* grad = pdx + image * imageSize;
      std::fill(grad, grad + imageSize, 0.0f);
      for (int64_t o = 0; o < w.outH * w.outW; ++o) {
        const int64_t at = (image * w.outH * w.outW + o) * c;
        const float *max = py + at, *g = pdy + at;
        // A window whose max is -inf (or NaN: all its values were) took no value.
        for (int64_t k = 0; k < c; ++k) taken[k] = max[k] > -std::numeric_limits<float>::infinity() ? 0.0f : 1.0f;
        forEachTap(w, height, width, o / w.outW, o % w.outW, [&](int64_t pixel, int64_t) {
          const float* v = in + pixel * c;
          float *d = grad + pixel * c, *done = taken.data();
          // Every load unconditional: a select, not a branch (with -fno-trapping-math, binding.gyp).
#pragma omp simd
          for (int64_t k = 0; k < c; ++k) {
            const float gk = g[k], dk = d[k], doneK = done[k];
            const float first = (v[k] == max[k] ? 1.0f : 0.0f) > doneK ? 1.0f : 0.0f;
            d[k] = first > 0.0f ? dk + gk : dk;
            done[k] = doneK + first;
          }
        });
      }
      if (relu == nullptr) continue;
      const float* act = relu + image * imageSize;
#pragma omp simd
      for (int64_t e = 0; e < imageSize; ++e) grad[e] = reluGradOf(grad[e], act[e]);
    }
  });
  return dx;
}

}  // namespace dresnet
