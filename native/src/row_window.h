// The window of a pooling or depthwise convolution over channels-last
// [N, H, W, C] activations, and the loops the row kernels (pool_rows,
// depthwise_rows) walk it with.
#pragma once

#include <ATen/Parallel.h>
#include <ATen/TensorIterator.h>  // at::internal::GRAIN_SIZE

#include <algorithm>
#include <cstdint>

namespace dresnet {

// Size, stride, dilation, the padding before the first row and column (the
// padding after follows from outH/outW), and the output's height and width.
struct RowWindow {
  int64_t kh, kw, sh, sw, dh, dw, top, left, outH, outW;
};

// Calls visit(offset of the input pixel, tap = i * kw + j) for each window
// position (i, j) of output (oh, ow) inside the image, row by row.
template <typename Visit>
void forEachTap(const RowWindow& w, int64_t height, int64_t width, int64_t oh, int64_t ow, const Visit& visit) {
  for (int64_t i = 0; i < w.kh; ++i) {
    const int64_t ih = oh * w.sh - w.top + i * w.dh;
    if (ih < 0 || ih >= height) continue;
    for (int64_t j = 0; j < w.kw; ++j) {
      const int64_t iw = ow * w.sw - w.left + j * w.dw;
      if (iw >= 0 && iw < width) visit(ih * width + iw, i * w.kw + j);
    }
  }
}

// Calls visit(image, oh, ow, output pixel index) for every output pixel of n
// images with c channels, split over threads by output row: rows never share
// an output.
template <typename Visit>
void forEachOutputPixel(const RowWindow& w, int64_t n, int64_t c, const Visit& visit) {
  const int64_t rowWork = std::max<int64_t>(1, w.outW * c * w.kh * w.kw);
  at::parallel_for(0, n * w.outH, std::max<int64_t>(1, at::internal::GRAIN_SIZE / rowWork), [&](int64_t first, int64_t end) {
    for (int64_t row = first; row < end; ++row) {
      for (int64_t ow = 0; ow < w.outW; ++ow) visit(row / w.outH, row % w.outH, ow, row * w.outW + ow);
    }
  });
}

}  // namespace dresnet
