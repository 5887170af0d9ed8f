// Pooling (2-D and 3-D, max and average) and its gradients, and grayscale
// dilation (a max over windows of x + filter).
#include "common.h"

#include "../plan_fusion.h"
#include "../pool_rows.h"

#include <ATen/ATen.h>

#include <limits>

namespace dresnet {
namespace {

// tfjs's max pooling skips NaNs (a NaN never compares greater), ATen's
// propagates them: NaNs become -inf, the value tfjs starts each window from.
// nan_to_num does it in one pass (masked_fill(isnan) takes two and a mask).
at::Tensor skipNaN(const at::Tensor& x) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  return x.is_floating_point() ? at::nan_to_num(x, -inf, inf, -inf) : x;
}
at::Tensor maxPoolInput(const at::Tensor& x, const Window& w) {
  return w.poolPaddingOk() ? skipNaN(x) : padNHWC(skipNaN(x), w.pads, -std::numeric_limits<double>::infinity());
}
std::vector<int64_t> maxPoolPadding(const Window& w) { return w.poolPaddingOk() ? w.padding() : Window::none(); }

// Float32 CPU tensors go to our row kernels (pool_rows.cc); the float64
// reference mode and CUDA to ATen.
bool poolRowsApply(const at::Tensor& x) { return x.is_cpu() && x.scalar_type() == at::kFloat && x.dim() == 4; }

RowWindow poolWindow(const Window& w, const at::Tensor& x) { return rowWindow(w, x, w.kernel[0], w.kernel[1]); }

Tensors maxPool(const Tensors& in, const Attrs& a) {
  Window w = Window::from(a);
  if (poolRowsApply(in[0])) return {maxPoolRowsForward(in[0], poolWindow(w, in[0]))};
  at::Tensor y = at::max_pool2d(nchw(maxPoolInput(in[0], w)), w.kernel, w.stride, maxPoolPadding(w), {1, 1}, false);
  return {nhwc(y)};
}

// inputs: dy, x (the forward input), y (its output). ATen finds the argmax
// positions again from x; the row kernel reads them off y.
Tensors maxPoolGrad(const Tensors& in, const Attrs& a) {
  Window w = Window::from(a);
  if (poolRowsApply(in[1])) return {maxPoolRowsBackward(in[0], in[1], in[2], poolWindow(w, in[1]))};
  at::Tensor input = nchw(maxPoolInput(in[1], w));
  auto pooled = at::max_pool2d_with_indices(input, w.kernel, w.stride, maxPoolPadding(w), {1, 1}, false);
  at::Tensor dx = nhwc(at::max_pool2d_with_indices_backward(nchw(in[0]), input, w.kernel, w.stride, maxPoolPadding(w), {1, 1},
                                                                         false, std::get<1>(pooled)));
  return {w.poolPaddingOk() ? dx : cropNHWC(dx, w.pads)};
}

}  // namespace

// inputs: dy, x, y, z -> ReluGrad(MaxPoolGrad(dy, x, y), z).
Tensors maxPoolReluGrad(const Tensors& in, const Attrs& a) {
  Window w = Window::from(a);
  const at::Tensor& z = in[3];
  if (poolRowsApply(in[1]) && z.sizes() == in[1].sizes() && z.scalar_type() == at::kFloat) {
    return {maxPoolRowsBackward(in[0], in[1], in[2], poolWindow(w, in[1]), z)};
  }
  return {at::threshold_backward(maxPoolGrad({in[0], in[1], in[2]}, a)[0], z, 0)};
}

namespace {

// Number of real (unpadded) inputs under each window, for asymmetric padding.
at::Tensor avgPoolCounts(const at::Tensor& x, const Window& w) {
  at::Tensor ones = padNHWC(at::ones({1, x.size(1), x.size(2), 1}, x.options()), w.pads, 0);
  return nhwc(at::avg_pool2d(nchw(ones), w.kernel, w.stride, {0, 0}, false, true, 1));
}

Tensors avgPool(const Tensors& in, const Attrs& a) {
  Window w = Window::from(a);
  const at::Tensor& x = in[0];
  if (w.poolPaddingOk()) {
    return {nhwc(at::avg_pool2d(nchw(x), w.kernel, w.stride, w.padding(), false, false, c10::nullopt))};
  }
  at::Tensor sums = nhwc(at::avg_pool2d(nchw(padNHWC(x, w.pads, 0)), w.kernel, w.stride, {0, 0}, false, true, 1));
  return {sums / avgPoolCounts(x, w)};
}

// inputs: dy, x (the forward input). tfjs defines AvgPoolGrad with a constant
// 1/window even where the forward pass left padding out of the count (its cpu
// and webgl backends and tfjs-core's tests agree), so this does the same.
Tensors avgPoolGrad(const Tensors& in, const Attrs& a) {
  Window w = Window::from(a);
  const at::Tensor &dy = in[0], &x = in[1];
  std::vector<int64_t> xShape(x.sizes().begin(), x.sizes().end());
  at::Tensor like = emptyChannelsLast(paddedNCHWShape(xShape, w.pads), dy);
  at::Tensor dx = nhwc(at::avg_pool2d_backward(nchw(dy), like, w.kernel, w.stride, {0, 0}, false, true,
                                               w.kernel[0] * w.kernel[1]));
  return {cropNHWC(dx, w.pads)};
}

// tfjs maxPoolWithArgmax: the max and the flat NHWC position of each max,
// ((b * H + y) * W + x) * C + c, the batch term only with includeBatchInIndex.
Tensors maxPoolWithArgmax(const Tensors& in, const Attrs& a) {
  Window w = Window::from(a);
  const at::Tensor& x = in[0];
  int64_t height = x.size(1), width = x.size(2), channels = x.size(3);
  at::Tensor padded = padNHWC(skipNaN(x), w.pads, -std::numeric_limits<double>::infinity());
  auto pooled = at::max_pool2d_with_indices(nchw(padded), w.kernel, w.stride, {0, 0}, {1, 1}, false);
  at::Tensor index = nhwc(std::get<1>(pooled));  // padded-plane positions hp * Wp + wp
  int64_t paddedWidth = padded.size(2);
  at::Tensor row = at::div(index, paddedWidth, "floor") - w.pads[0];
  at::Tensor col = at::remainder(index, paddedWidth) - w.pads[2];
  at::Tensor channel = at::arange(channels, index.options());
  at::Tensor position = (row * width + col) * channels + channel;
  if (a.b("includeBatchInIndex")) {
    position = position + at::arange(x.size(0), index.options()).reshape({-1, 1, 1, 1}) * (height * width * channels);
  }
  return {nhwc(std::get<0>(pooled)), position};
}

// ------------------------------------------------------ grayscale dilation

// tfjs dilation2d: each output is the max over its window of x + filter,
// taps outside the image skipped (here: padded with -inf). The values at every
// tap, [b, outH, outW, depth, filterH * filterW].
at::Tensor dilationTaps(const at::Tensor& x, const at::Tensor& filter, const Window& w) {
  int64_t fh = filter.size(0), fw = filter.size(1);
  int64_t spanH = (fh - 1) * w.dilation[0] + 1, spanW = (fw - 1) * w.dilation[1] + 1;
  at::Tensor padded = padNHWC(x, w.pads, -std::numeric_limits<double>::infinity());
  at::Tensor windows = padded.unfold(1, spanH, w.stride[0]).unfold(2, spanW, w.stride[1]);  // [b, oh, ow, d, spanH, spanW]
  windows = windows.slice(4, 0, spanH, w.dilation[0]).slice(5, 0, spanW, w.dilation[1]);
  return (windows + filter.permute({2, 0, 1})).flatten(4);
}

// tfjs starts each window's max from Number.MIN_SAFE_INTEGER.
constexpr double kMinSafeInteger = -9007199254740991.0;

Tensors dilation2d(const Tensors& in, const Attrs& a) {
  return {std::get<0>(dilationTaps(in[0], in[1], Window::from(a)).max(-1)).clamp_min(kMinSafeInteger)};
}

// The gradients go to each output's (first) max tap. inputs: x, filter, dy.
struct DilationMax {
  at::Tensor tap, row, col;  // tap in the filter, its row and column in the padded input
};
DilationMax dilationMax(const Tensors& in, const Window& w) {
  at::Tensor tap = dilationTaps(in[0], in[1], w).argmax(-1);  // [b, oh, ow, d]
  int64_t fw = in[1].size(1);
  at::Tensor outRow = at::arange(tap.size(1), tap.options()).reshape({1, -1, 1, 1});
  at::Tensor outCol = at::arange(tap.size(2), tap.options()).reshape({1, 1, -1, 1});
  return {tap, outRow * w.stride[0] + at::div(tap, fw, "floor") * w.dilation[0],
          outCol * w.stride[1] + at::remainder(tap, fw) * w.dilation[1]};
}

Tensors dilation2dBackpropInput(const Tensors& in, const Attrs& a) {
  Window w = Window::from(a);
  const at::Tensor &x = in[0], &dy = in[2];
  DilationMax m = dilationMax(in, w);
  int64_t batch = x.size(0), depth = x.size(3);
  int64_t paddedH = x.size(1) + w.pads[0] + w.pads[1], paddedW = x.size(2) + w.pads[2] + w.pads[3];
  at::Tensor image = at::arange(batch, m.tap.options()).reshape({-1, 1, 1, 1});
  at::Tensor flat = ((image * paddedH + m.row) * paddedW + m.col) * depth + at::arange(depth, m.tap.options());
  at::Tensor dx = at::zeros({batch * paddedH * paddedW * depth}, dy.options()).index_add_(0, flat.flatten(), dy.flatten());
  return {cropNHWC(dx.reshape({batch, paddedH, paddedW, depth}), w.pads)};
}

Tensors dilation2dBackpropFilter(const Tensors& in, const Attrs& a) {
  const at::Tensor &filter = in[1], &dy = in[2];
  DilationMax m = dilationMax(in, Window::from(a));
  int64_t depth = filter.size(2);
  at::Tensor flat = m.tap * depth + at::arange(depth, m.tap.options());
  at::Tensor df = at::zeros({filter.numel()}, dy.options()).index_add_(0, flat.flatten(), dy.flatten());
  return {df.reshape(filter.sizes())};
}

std::vector<int64_t> shapeOf(const at::Tensor& t) { return std::vector<int64_t>(t.sizes().begin(), t.sizes().end()); }

// NaNs skipped and padding never the max, as in 2-D.
at::Tensor maxPool3dInput(const at::Tensor& x, const Window3d& w) {
  return w.pad(skipNaN(x), -std::numeric_limits<double>::infinity());
}

Tensors maxPool3d(const Tensors& in, const Attrs& a) {
  Window3d w = Window3d::from(a);
  return {ndhwc(at::max_pool3d(ncdhw(maxPool3dInput(in[0], w)), w.kernel, w.stride, kNoPad3d, {1, 1, 1}, false))};
}

// inputs: dy, x (the forward input). Recomputes the argmax positions.
Tensors maxPool3dGrad(const Tensors& in, const Attrs& a) {
  Window3d w = Window3d::from(a);
  at::Tensor input = ncdhw(maxPool3dInput(in[1], w));
  auto pooled = at::max_pool3d_with_indices(input, w.kernel, w.stride, kNoPad3d, {1, 1, 1}, false);
  at::Tensor dx = at::max_pool3d_with_indices_backward(ncdhw(in[0]), input, w.kernel, w.stride, kNoPad3d, {1, 1, 1}, false,
                                                       std::get<1>(pooled));
  return {w.crop(ndhwc(dx))};
}

// Averages over the real (unpadded) inputs under each window, as tfjs does
// (0 where a window holds none).
Tensors avgPool3d(const Tensors& in, const Attrs& a) {
  Window3d w = Window3d::from(a);
  const at::Tensor& x = in[0];
  auto windowSums = [&](const at::Tensor& t) {
    return ndhwc(at::avg_pool3d(ncdhw(w.pad(t, 0)), w.kernel, w.stride, kNoPad3d, false, true, 1));
  };
  at::Tensor ones = at::ones({1, x.size(1), x.size(2), x.size(3), 1}, x.options());
  return {windowSums(x) / windowSums(ones).clamp_min(1)};
}

// inputs: dy, x. tfjs's gradient spreads each dy over its window with a
// constant 1/window, as in AvgPoolGrad.
Tensors avgPool3dGrad(const Tensors& in, const Attrs& a) {
  Window3d w = Window3d::from(a);
  const at::Tensor &dy = in[0], &x = in[1];
  at::Tensor like = at::empty(w.paddedShape(shapeOf(x)), dy.options());
  int64_t window = w.kernel[0] * w.kernel[1] * w.kernel[2];
  at::Tensor dx = at::avg_pool3d_backward(ncdhw(dy), like, w.kernel, w.stride, kNoPad3d, false, true, window);
  return {w.crop(ndhwc(dx))};
}

}  // namespace

void addPoolingOps(OpTable& table) {
  table.add({
      {"MaxPool", maxPool},
      {"MaxPoolWithArgmax", maxPoolWithArgmax},
      {"Dilation2D", dilation2d},
      {"Dilation2DBackpropInput", dilation2dBackpropInput},
      {"Dilation2DBackpropFilter", dilation2dBackpropFilter},
      {"MaxPool3D", maxPool3d},
      {"MaxPool3DGrad", maxPool3dGrad},
      {"AvgPool3D", avgPool3d},
      {"AvgPool3DGrad", avgPool3dGrad},
      {"MaxPoolGrad", maxPoolGrad},
      {"AvgPool", avgPool},
      {"AvgPoolGrad", avgPoolGrad},
  });
}

}  // namespace dresnet
