// The op table: each entry maps a name used by a TypeScript kernel to an ATen
// computation. To add a kernel, add an entry here (or to the unary/binary
// tables) and a file under src/backend/torch/kernels/.
#include "ops.h"

#include "batch_norm_rows.h"
#include "depthwise_rows.h"
#include "pool_rows.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/TensorIterator.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <unordered_map>

namespace dresnet {

// ---------------------------------------------------------------- attrs

Napi::Value Attrs::get(const char* key) const {
  Napi::Value v = obj_.Get(key);
  if (v.IsUndefined() || v.IsNull()) throw std::invalid_argument(std::string("torch op: missing attribute '") + key + "'");
  return v;
}
bool Attrs::has(const char* key) const {
  Napi::Value v = obj_.Get(key);
  return !(v.IsUndefined() || v.IsNull());
}
int64_t Attrs::i(const char* key) const { return get(key).As<Napi::Number>().Int64Value(); }
double Attrs::f(const char* key) const { return get(key).As<Napi::Number>().DoubleValue(); }
bool Attrs::b(const char* key) const { return get(key).ToBoolean().Value(); }
std::string Attrs::s(const char* key) const { return get(key).As<Napi::String>().Utf8Value(); }
std::vector<int64_t> Attrs::ints(const char* key) const {
  auto arr = get(key).As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) out[k] = arr.Get(k).As<Napi::Number>().Int64Value();
  return out;
}

namespace {

using Tensors = std::vector<at::Tensor>;
using OpFn = std::function<Tensors(const Tensors&, const Attrs&)>;

at::ScalarType scalarType(const std::string& dtype) {
  if (dtype == "float32") return floatType();
  if (dtype == "int32") return at::kInt;
  if (dtype == "bool") return at::kBool;
  throw std::invalid_argument("torch backend: unsupported dtype '" + dtype + "'");
}

// --------------------------------------------------------- layout helpers

// A contiguous NHWC tensor viewed as NCHW is exactly a channels-last tensor.
at::Tensor nchw(const at::Tensor& x) { return x.permute({0, 3, 1, 2}); }
at::Tensor nhwc(const at::Tensor& y) { return y.permute({0, 2, 3, 1}).contiguous(); }

// Convolutions run channels-last: a contiguous NHWC tensor viewed as NCHW is
// already one, so no layout copies. (An NCHW mode, copying in and out of each
// conv, was once the default below batch 16; with OpenBLAS and re-laid-out
// filters it lost at every batch size, on Debian's libtorch 1.13 on 2 cores:
// batch-1 inference of mobilenet_v2 23 ms vs 11, training at batch 1..16
// 15-55% slower.) contiguous() copies only a tensor that arrives otherwise.
at::Tensor convIn(const at::Tensor& x) { return nchw(x).contiguous(at::MemoryFormat::ChannelsLast); }
// tfjs filter [kh, kw, in, out] <-> ATen weight [out, in, kh, kw]. A filter
// arrives contiguous in tfjs's order, which as an ATen weight is a transposed
// view that oneDNN/BLAS transpose again on every call (a 512x512x3x3 weight:
// 6 ms on 2 cores, five times the convolution at batch 1). So the first
// convolution to use a filter re-lays its storage out in place as [out, in,
// kh, kw]: the same logical tensor for tfjs (Read makes it contiguous), and
// every later call with it (the backward pass, inference) gets a contiguous
// weight for free. Filters are the one exception to the handle table's
// contiguity (addon.cc).
at::Tensor torchWeight(const at::Tensor& f) {
  at::Tensor w = f.permute({3, 2, 0, 1});
  if (w.is_contiguous()) return w;
  at::Tensor packed = w.contiguous();
  at::Tensor relaid = packed.permute({2, 3, 1, 0});
  const_cast<at::Tensor&>(f).set_(packed.storage(), packed.storage_offset(), relaid.sizes(), relaid.strides());
  return packed;
}
at::Tensor tfjsFilter(const at::Tensor& w) { return w.permute({2, 3, 1, 0}).contiguous(); }
// tfjs depthwise filter [kh, kw, in, mult] <-> ATen grouped weight [in*mult, 1, kh, kw].
at::Tensor depthwiseWeight(const at::Tensor& f) {
  return torchWeight(f.reshape({f.size(0), f.size(1), 1, f.size(2) * f.size(3)}));
}

// Window geometry of a conv/pool, normalised by the TypeScript kernel:
// pads = [top, bottom, left, right] as tfjs computes them for 'same'/'valid'/explicit.
struct Window {
  std::vector<int64_t> kernel{1, 1}, stride, dilation{1, 1}, pads;
  int64_t groups = 1;

  static Window from(const Attrs& a) {
    Window w;
    if (a.has("filterSize")) w.kernel = a.ints("filterSize");
    w.stride = a.ints("strides");
    if (a.has("dilations")) w.dilation = a.ints("dilations");
    w.pads = a.ints("pads");
    if (a.has("groups")) w.groups = a.i("groups");
    return w;
  }
  bool symmetric() const { return pads[0] == pads[1] && pads[2] == pads[3]; }
  // ATen's pooling wants padding <= half the window.
  bool poolPaddingOk() const { return symmetric() && pads[0] <= kernel[0] / 2 && pads[2] <= kernel[1] / 2; }
  std::vector<int64_t> padding() const { return {pads[0], pads[2]}; }
  static std::vector<int64_t> none() { return {0, 0}; }
};

at::Tensor padNHWC(const at::Tensor& x, const std::vector<int64_t>& p, double value) {
  return at::constant_pad_nd(x, {0, 0, p[2], p[3], p[0], p[1]}, value);
}
// Undo padNHWC on a gradient with respect to the padded input.
at::Tensor cropNHWC(const at::Tensor& x, const std::vector<int64_t>& p) {
  return x.slice(1, p[0], x.size(1) - p[1]).slice(2, p[2], x.size(2) - p[3]).contiguous();
}
std::vector<int64_t> paddedNCHWShape(const std::vector<int64_t>& nhwcShape, const std::vector<int64_t>& p) {
  return {nhwcShape[0], nhwcShape[3], nhwcShape[1] + p[0] + p[1], nhwcShape[2] + p[2] + p[3]};
}
at::Tensor emptyChannelsLast(const std::vector<int64_t>& shape, const at::Tensor& like) {
  return at::empty(shape, like.options().memory_format(at::MemoryFormat::ChannelsLast));
}

// ------------------------------------------------------------- convolution

// Forward conv of an NHWC input with an ATen weight; asymmetric 'same'
// padding (tfjs puts the odd pixel at the bottom/right) is applied explicitly.
at::Tensor convForward(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, const Window& w) {
  bool sym = w.symmetric();
  at::Tensor input = sym ? x : padNHWC(x, w.pads, 0);
  at::Tensor y = at::convolution(convIn(input), weight, bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt, w.stride,
                                 sym ? w.padding() : Window::none(), w.dilation, false, {0, 0}, w.groups);
  return nhwc(y);
}

at::Tensor convBackpropInput(const at::Tensor& dy, const at::Tensor& weight, const std::vector<int64_t>& inputShape,
                             const Window& w) {
  bool sym = w.symmetric();
  std::vector<int64_t> noPad{0, 0, 0, 0};
  at::Tensor inputLike = emptyChannelsLast(paddedNCHWShape(inputShape, sym ? noPad : w.pads), dy);
  auto grads = at::convolution_backward(convIn(dy), inputLike, weight, c10::nullopt, w.stride, sym ? w.padding() : Window::none(),
                                        w.dilation, false, {0, 0}, w.groups, {true, false, false});
  at::Tensor dx = nhwc(std::get<0>(grads));
  return sym ? dx : cropNHWC(dx, w.pads);
}

// Returns the ATen-layout weight gradient [out, in/groups, kh, kw].
at::Tensor convBackpropWeight(const at::Tensor& x, const at::Tensor& dy, const std::vector<int64_t>& weightShape,
                              const Window& w) {
  bool sym = w.symmetric();
  at::Tensor input = sym ? x : padNHWC(x, w.pads, 0);
  at::Tensor weightLike = emptyChannelsLast(weightShape, x);
  auto grads = at::convolution_backward(convIn(dy), convIn(input), weightLike, c10::nullopt, w.stride,
                                        sym ? w.padding() : Window::none(), w.dilation, false, {0, 0}, w.groups,
                                        {false, true, false});
  return std::get<1>(grads);
}

// tfjs filter shape [kh, kw, in/groups, out] -> ATen weight shape.
std::vector<int64_t> weightShapeOf(const std::vector<int64_t>& f) { return {f[3], f[2], f[0], f[1]}; }

std::string activationOf(const Attrs& a) { return a.has("activation") ? a.s("activation") : "linear"; }

// The activations that are a clamp (for linear, an empty one): a row kernel
// applies them in its own pass.
c10::optional<Clamp> clampOf(const std::string& act) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  if (act == "linear") return Clamp{-inf, inf};
  if (act == "relu") return Clamp{0, inf};
  if (act == "relu6") return Clamp{0, 6};
  return c10::nullopt;
}

// y is the fresh output of the convolution or product before it: ReLU and
// ReLU6 (the folded batch norms' activations) run in place on it.
at::Tensor activate(const at::Tensor& y, const Attrs& a, const at::Tensor& preluWeights) {
  const std::string act = activationOf(a);
  if (act == "linear") return y;
  if (const auto clamp = clampOf(act)) return y.clamp_(clamp->lo, clamp->hi);
  if (act == "elu") return at::elu(y);
  if (act == "sigmoid") return at::sigmoid(y);
  if (act == "leakyrelu") return at::leaky_relu(y, a.f("leakyreluAlpha"));
  if (act == "prelu") return at::where(y < 0, y * preluWeights, y);
  throw std::invalid_argument("torch backend: unknown fused activation '" + act + "'");
}

// A convolution over few output pixels (a network's deep layers at batch 1:
// 16 to 64 of them) as one matrix product of its patches, [pixels, kh*kw*in],
// and the filter, [kh*kw*in, out]: for so few rows the product is what any
// convolution algorithm comes down to, and oneDNN's channels-last one costs
// more, re-laying the filter out on every call (ATen 1.13, 2 cores, ResNet-50
// at batch 1: 2048->512 1x1 at 4x4 took 1.8 ms against 0.5 for the product,
// 1024->2048 1x1 with stride 2 3.5 ms against 1). With more rows oneDNN wins
// (a training batch: 3x faster than the product). Grouped and depthwise
// convolutions stay with oneDNN (DResNet's grouped 1x1s were slower as
// batched products); depthwise ones over so few pixels go to a row kernel
// (depthwiseRowsApply).
constexpr int64_t kFewPixels = 256;

int64_t outSize(int64_t padded, int64_t k, int64_t stride, int64_t dilation) { return (padded - dilation * (k - 1) - 1) / stride + 1; }
// Output rows (axis 0) or columns (axis 1) of a window of size k over an NHWC x, w's padding included.
int64_t windowOut(const Window& w, int axis, const at::Tensor& x, int64_t k) {
  return outSize(x.size(1 + axis) + w.pads[2 * axis] + w.pads[2 * axis + 1], k, w.stride[axis], w.dilation[axis]);
}

// Output pixels of the whole batch.
int64_t outPixels(const at::Tensor& x, const at::Tensor& filter, const Window& w) {
  return x.size(0) * windowOut(w, 0, x, filter.size(0)) * windowOut(w, 1, x, filter.size(1));
}

bool convAsGemm(const at::Tensor& x, const at::Tensor& filter, const Window& w) {
  return w.groups == 1 && x.is_cpu() && outPixels(x, filter, w) <= kFewPixels;
}

// filter: tfjs's [kh, kw, in, out], contiguous, or with the storage
// torchWeight re-lays out ([out, in, kh, kw]); the patches' columns follow
// the filter's storage order so that it is read without a copy.
at::Tensor convGemm(const at::Tensor& x, const at::Tensor& filter, const at::Tensor& bias, const Window& w) {
  const int64_t kh = filter.size(0), kw = filter.size(1), in = filter.size(2), out = filter.size(3);
  const bool padded = std::any_of(w.pads.begin(), w.pads.end(), [](int64_t p) { return p != 0; });
  const at::Tensor input = padded ? padNHWC(x, w.pads, 0) : x;
  const int64_t outH = windowOut(w, 0, x, kh), outW = windowOut(w, 1, x, kw);
  std::vector<at::Tensor> taps;  // [N, outH, outW, in] per filter position, row by row
  for (int64_t i = 0; i < kh; ++i) {
    for (int64_t j = 0; j < kw; ++j) {
      taps.push_back(input.slice(1, i * w.dilation[0], i * w.dilation[0] + w.stride[0] * (outH - 1) + 1, w.stride[0])
                         .slice(2, j * w.dilation[1], j * w.dilation[1] + w.stride[1] * (outW - 1) + 1, w.stride[1]));
    }
  }
  const bool tfjsLayout = filter.is_contiguous();
  at::Tensor patches = taps.size() == 1 ? taps[0] : at::stack(taps, tfjsLayout ? 3 : 4);
  at::Tensor weight = tfjsLayout ? filter.reshape({kh * kw * in, out}) : filter.permute({2, 0, 1, 3}).reshape({in * kh * kw, out});
  patches = patches.reshape({-1, kh * kw * in});
  at::Tensor y = bias.defined() ? at::addmm(bias, patches, weight) : at::mm(patches, weight);
  return y.view({x.size(0), outH, outW, out});
}

// Float32 CPU depthwise convolutions with one filter per channel over few
// pixels go to the row kernel (depthwise_rows.cc): there it took half of
// ATen's time or less (2 cores, batch 1: 8x8x116 30 us against 54-113,
// 16x16x58 42-51 against 68-104), and it adds the bias and activation in the
// same pass. Over more pixels ATen's vectorised kernel is 1.5-4x faster than
// this plain loop, which the addon's baseline x86-64 build keeps to 4-wide
// vectors. Other multipliers, float64 and CUDA go to ATen.
bool depthwiseRowsApply(const at::Tensor& x, const at::Tensor& filter, const Window& w) {
  const int64_t c = x.size(3);
  return x.is_cpu() && x.scalar_type() == at::kFloat && w.groups == c && filter.size(2) * filter.size(3) == c &&
         outPixels(x, filter, w) <= kFewPixels;
}

RowWindow rowWindow(const Window& w, const at::Tensor& x, int64_t kh, int64_t kw) {
  return {kh, kw, w.stride[0], w.stride[1], w.dilation[0], w.dilation[1], w.pads[0], w.pads[2],
          windowOut(w, 0, x, kh), windowOut(w, 1, x, kw)};
}

// Bias goes into the convolution when it is one value per output channel.
Tensors fusedConv(const Tensors& in, const Attrs& a, bool depthwise) {
  const at::Tensor &x = in[0], &filter = in[1], &bias = in[2];
  Window w = Window::from(a);
  if (depthwise) w.groups = x.size(3);
  const int64_t outChannels = depthwise ? x.size(3) * filter.size(3) : filter.size(3);
  const bool channelBias = bias.defined() && bias.dim() == 1 && bias.size(0) == outChannels;
  const at::Tensor b = channelBias ? bias : at::Tensor();
  const c10::optional<Clamp> clamp = clampOf(activationOf(a));
  if (clamp && (!bias.defined() || channelBias) && depthwiseRowsApply(x, filter, w)) {
    // [kh, kw, 1, C] (grouped) or [kh, kw, C, 1] (tfjs depthwise): per tap, C weights in a row.
    const at::Tensor taps = filter.reshape({filter.size(0), filter.size(1), x.size(3)}).contiguous();
    return {depthwiseRowsForward(x, taps, b, rowWindow(w, x, filter.size(0), filter.size(1)), *clamp)};
  }
  at::Tensor y = !depthwise && convAsGemm(x, filter, w)
                     ? convGemm(x, filter, b, w)
                     : convForward(x, depthwise ? depthwiseWeight(filter) : torchWeight(filter), b, w);
  if (bias.defined() && !channelBias) y = y + bias;
  return {activate(y, a, in[3])};
}

// --------------------------------------------------------------- pooling

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

// ------------------------------------------------------------ 3-D (NDHWC)

// Contiguous NDHWC viewed as NCDHW is a channels-last-3d tensor, as in 2-D.
at::Tensor ncdhw(const at::Tensor& x) { return x.permute({0, 4, 1, 2, 3}); }
at::Tensor ndhwc(const at::Tensor& y) { return y.permute({0, 2, 3, 4, 1}).contiguous(); }
// tfjs filter [kd, kh, kw, in, out] <-> ATen weight [out, in, kd, kh, kw].
at::Tensor torchWeight3d(const at::Tensor& f) { return f.permute({4, 3, 0, 1, 2}).contiguous(); }
at::Tensor tfjsFilter3d(const at::Tensor& w) { return w.permute({2, 3, 4, 1, 0}).contiguous(); }

// 3-D window, pads = [front, back, top, bottom, left, right] from tfjs; the
// 3-D kernels are outside the zoo, so padding is always explicit.
struct Window3d {
  std::vector<int64_t> kernel{1, 1, 1}, stride, dilation{1, 1, 1}, pads;
  static Window3d from(const Attrs& a) {
    Window3d w;
    if (a.has("filterSize")) w.kernel = a.ints("filterSize");
    w.stride = a.ints("strides");
    if (a.has("dilations")) w.dilation = a.ints("dilations");
    w.pads = a.ints("pads");
    return w;
  }
  at::Tensor pad(const at::Tensor& x, double value) const {
    return at::constant_pad_nd(x, {0, 0, pads[4], pads[5], pads[2], pads[3], pads[0], pads[1]}, value);
  }
  at::Tensor crop(const at::Tensor& x) const {
    return x.slice(1, pads[0], x.size(1) - pads[1]).slice(2, pads[2], x.size(2) - pads[3]).slice(3, pads[4], x.size(3) - pads[5]).contiguous();
  }
  // NCDHW shape of the padded NDHWC input shape.
  std::vector<int64_t> paddedShape(const std::vector<int64_t>& s) const {
    return {s[0], s[4], s[1] + pads[0] + pads[1], s[2] + pads[2] + pads[3], s[3] + pads[4] + pads[5]};
  }
};
const std::vector<int64_t> kNoPad3d{0, 0, 0};

std::vector<int64_t> shapeOf(const at::Tensor& t) { return std::vector<int64_t>(t.sizes().begin(), t.sizes().end()); }

Tensors conv3d(const Tensors& in, const Attrs& a) {
  Window3d w = Window3d::from(a);
  at::Tensor y = at::convolution(ncdhw(w.pad(in[0], 0)), torchWeight3d(in[1]), c10::nullopt, w.stride, kNoPad3d, w.dilation,
                                 false, kNoPad3d, 1);
  return {ndhwc(y)};
}

// inputs: dy, filter; attrs inputShape (NDHWC).
Tensors conv3dBackpropInput(const Tensors& in, const Attrs& a) {
  Window3d w = Window3d::from(a);
  at::Tensor inputLike = at::empty(w.paddedShape(a.ints("inputShape")), in[0].options());
  auto grads = at::convolution_backward(ncdhw(in[0]), inputLike, torchWeight3d(in[1]), c10::nullopt, w.stride, kNoPad3d,
                                        w.dilation, false, kNoPad3d, 1, {true, false, false});
  return {w.crop(ndhwc(std::get<0>(grads)))};
}

// inputs: x, dy; attrs filterShape [kd, kh, kw, in, out].
Tensors conv3dBackpropFilter(const Tensors& in, const Attrs& a) {
  Window3d w = Window3d::from(a);
  auto f = a.ints("filterShape");
  at::Tensor weightLike = at::empty({f[4], f[3], f[0], f[1], f[2]}, in[0].options());
  auto grads = at::convolution_backward(ncdhw(in[1]), ncdhw(w.pad(in[0], 0)), weightLike, c10::nullopt, w.stride, kNoPad3d,
                                        w.dilation, false, kNoPad3d, 1, {false, true, false});
  return {tfjsFilter3d(std::get<1>(grads))};
}

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

// ------------------------------------------------------------ batch norm

// 4-D inputs are NHWC; ATen's batch norm wants channels in dim 1.
at::Tensor bnIn(const at::Tensor& x) { return x.dim() == 4 ? nchw(x) : x; }
at::Tensor bnOut(const at::Tensor& y) { return y.dim() == 4 ? nhwc(y) : y; }

// inputs: x, scale, offset, runningMean?, runningVariance? -> y, mean, invStd
// (biased batch variance), and with running statistics their updates. On the
// CPU our row kernels (batch_norm_rows.cc); elsewhere ATen, which updates the
// running statistics in place, so it gets copies (tfjs tensors are immutable).
Tensors batchNormTrain(const Tensors& in, const Attrs& a) {
  if (in[0].is_cpu()) return batchNormRowsForward(in[0], in[1], in[2], in[3], in[4], a.f("momentum"), a.f("epsilon"));
  bool running = in[3].defined();
  at::Tensor runningMean = running ? in[3].clone() : at::Tensor();
  at::Tensor runningVar = running ? in[4].clone() : at::Tensor();
  auto r = at::native_batch_norm(bnIn(in[0]), in[1], in[2], runningMean, runningVar, true, a.f("momentum"), a.f("epsilon"));
  Tensors out = {bnOut(std::get<0>(r)), std::get<1>(r), std::get<2>(r)};
  if (running) {
    out.push_back(runningMean);
    out.push_back(runningVar);
  }
  return out;
}

// inputs: dy, x, scale, mean, invStd -> dx, dScale, dOffset
Tensors batchNormTrainGrad(const Tensors& in, const Attrs& a) {
  if (in[1].is_cpu()) return batchNormRowsBackward(in[0], in[1], in[2], in[3], in[4]);
  auto r = at::native_batch_norm_backward(bnIn(in[0]), bnIn(in[1]), in[2], c10::nullopt, c10::nullopt, in[3], in[4], true,
                                          a.f("epsilon"), {true, true, true});
  return {bnOut(std::get<0>(r)), std::get<1>(r), std::get<2>(r)};
}

// Whether every defined parameter is one value per channel of x (the last axis).
bool perChannel(const at::Tensor& x, const Tensors& params) {
  return std::all_of(params.begin(), params.end(), [&](const at::Tensor& p) {
    return !p.defined() || (p.dim() == 1 && p.size(0) == x.size(-1) && p.scalar_type() == x.scalar_type());
  });
}

// inputs: x, mean, variance, offset?, scale? (tfjs FusedBatchNorm, inference
// form), folded into y = x * a + b so that x is read once: on the CPU with
// per-channel parameters by our row kernel (one call instead of five).
Tensors fusedBatchNorm(const Tensors& in, const Attrs& a) {
  const at::Tensor& x = in[0];
  if (x.is_cpu() && x.is_floating_point() && x.dim() >= 1 && perChannel(x, {in[1], in[2], in[3], in[4]})) {
    return {batchNormRowsInference(x, in[1], in[2], in[3], in[4], a.f("varianceEpsilon"))};
  }
  at::Tensor mul = at::rsqrt(in[2] + a.f("varianceEpsilon"));
  if (in[4].defined()) mul = mul * in[4];
  at::Tensor add = -in[1] * mul;
  if (in[3].defined()) add = add + in[3];
  return {at::addcmul(add, in[0], mul)};
}

// ------------------------------------------------------------ optimiser

// The gradients with weightDecay·value added to those listed in "decayed".
Tensors withWeightDecay(Tensors gradients, const Tensors& values, const Attrs& a) {
  double weightDecay = a.f("weightDecay");
  std::vector<int64_t> decayed = a.ints("decayed");
  if (weightDecay == 0 || decayed.empty()) return gradients;
  Tensors g, v;
  for (int64_t k : decayed) {
    g.push_back(gradients[k]);
    v.push_back(values[k]);
  }
  Tensors sum = at::_foreach_add(g, v, weightDecay);
  for (size_t j = 0; j < decayed.size(); ++j) gradients[decayed[j]] = sum[j];
  return gradients;
}

// inputs: values[n], accumulations[n], gradients[n] -> values'[n],
// accumulations'[n] (tfjs's MomentumOptimizer rule with coupled weight
// decay, see kernel_names.ts).
Tensors momentumUpdate(const Tensors& in, const Attrs& a) {
  auto n = static_cast<std::ptrdiff_t>(in.size() / 3);
  Tensors values(in.begin(), in.begin() + n), accumulations(in.begin() + n, in.begin() + 2 * n);
  Tensors gradients = withWeightDecay(Tensors(in.begin() + 2 * n, in.end()), values, a);
  double momentum = a.f("momentum");
  Tensors next = at::_foreach_mul(accumulations, momentum);
  at::_foreach_add_(next, gradients);
  Tensors step = next;
  if (a.b("useNesterov")) {
    step = at::_foreach_mul(next, momentum);
    at::_foreach_add_(step, gradients);
  }
  Tensors out = at::_foreach_add(values, step, -a.f("learningRate"));
  out.insert(out.end(), next.begin(), next.end());
  return out;
}

// ----------------------------------------------------------- reductions

// Reduces over `axes` one dim at a time (ops without multi-dim overloads).
at::Tensor reduceEach(at::Tensor x, std::vector<int64_t> axes, bool keep,
                      const std::function<at::Tensor(const at::Tensor&, int64_t, bool)>& f) {
  std::sort(axes.rbegin(), axes.rend());
  for (int64_t ax : axes) x = f(x, ax, keep);
  return x;
}

Tensors reduce(const std::string& kind, const Tensors& in, const Attrs& a) {
  const at::Tensor& x = in[0];
  std::vector<int64_t> axes = a.ints("axis");
  bool keep = a.b("keepDims");
  if (axes.empty()) return {x};
  if (kind == "Sum") return {at::sum(x, axes, keep)};
  if (kind == "Mean") return {at::mean(x.is_floating_point() ? x : x.to(floatType()), axes, keep)};
  if (kind == "Max") return {at::amax(x, axes, keep)};
  if (kind == "Min") return {at::amin(x, axes, keep)};
  if (kind == "Prod") return {reduceEach(x, axes, keep, [](const at::Tensor& t, int64_t d, bool k) { return at::prod(t, d, k); })};
  if (kind == "All") return {reduceEach(x, axes, keep, [](const at::Tensor& t, int64_t d, bool k) { return at::all(t, d, k); })};
  if (kind == "Any") return {reduceEach(x, axes, keep, [](const at::Tensor& t, int64_t d, bool k) { return at::any(t, d, k); })};
  throw std::invalid_argument("internal: unknown reduction " + kind);
}

// ------------------------------------------------ activation gradients

// dy where lo <(=) x <= hi, else 0: the gradient of ReLU6 and ClipByValue.
// One loop over two contiguous CPU tensors; ATen would take a comparison per
// bound, a logical_and and a where (four passes, three allocations).
at::Tensor passGrad(const at::Tensor& dy, const at::Tensor& x, double lo, bool loInclusive, double hi) {
  if (!dy.device().is_cpu() || !dy.is_contiguous() || !x.is_contiguous() || dy.sizes() != x.sizes() ||
      dy.scalar_type() != x.scalar_type() || !dy.is_floating_point()) {
    at::Tensor above = loInclusive ? x >= lo : x > lo;
    return at::where(at::logical_and(above, x <= hi), dy, at::zeros({}, dy.options()));
  }
  at::Tensor out = at::empty_like(dy);
  AT_DISPATCH_FLOATING_TYPES(dy.scalar_type(), "passGrad", [&] {
    const scalar_t* g = dy.data_ptr<scalar_t>();
    const scalar_t* v = x.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    const scalar_t low = static_cast<scalar_t>(lo), high = static_cast<scalar_t>(hi);
    // Branch-free (& not &&) so that it vectorises: a branch on the sign of
    // an activation is mispredicted half the time (it took 3 ns an element).
    auto run = [&](auto above) {
      at::parallel_for(0, dy.numel(), at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
        _Pragma("omp simd")  // a #pragma cannot sit inside AT_DISPATCH's macro argument
        for (int64_t i = begin; i < end; ++i) {
          const scalar_t gi = g[i], vi = v[i];
          o[i] = (above(vi) & (vi <= high)) ? gi : scalar_t(0);
        }
      });
    };
    if (loInclusive) {
      run([low](scalar_t t) { return t >= low; });
    } else {
      run([low](scalar_t t) { return t > low; });
    }
  });
  return out;
}

// ------------------------------------------------------ elementwise tables

using Unary = at::Tensor (*)(const at::Tensor&);
const std::unordered_map<std::string, Unary>& unaryOps() {
  static const std::unordered_map<std::string, Unary> table = {
      {"Abs", [](const at::Tensor& x) { return at::abs(x); }},
      {"Acos", [](const at::Tensor& x) { return at::acos(x); }},
      {"Acosh", [](const at::Tensor& x) { return at::acosh(x); }},
      {"Asin", [](const at::Tensor& x) { return at::asin(x); }},
      {"Asinh", [](const at::Tensor& x) { return at::asinh(x); }},
      {"Atan", [](const at::Tensor& x) { return at::atan(x); }},
      {"Atanh", [](const at::Tensor& x) { return at::atanh(x); }},
      {"Ceil", [](const at::Tensor& x) { return at::ceil(x); }},
      {"Cos", [](const at::Tensor& x) { return at::cos(x); }},
      {"Cosh", [](const at::Tensor& x) { return at::cosh(x); }},
      {"Elu", [](const at::Tensor& x) { return at::elu(x); }},
      {"Erf", [](const at::Tensor& x) { return at::erf(x); }},
      {"Exp", [](const at::Tensor& x) { return at::exp(x); }},
      {"Expm1", [](const at::Tensor& x) { return at::expm1(x); }},
      {"Floor", [](const at::Tensor& x) { return at::floor(x); }},
      {"IsFinite", [](const at::Tensor& x) { return at::isfinite(x); }},
      {"IsInf", [](const at::Tensor& x) { return at::isinf(x); }},
      {"IsNan", [](const at::Tensor& x) { return at::isnan(x); }},
      {"Log", [](const at::Tensor& x) { return at::log(x); }},
      {"Log1p", [](const at::Tensor& x) { return at::log1p(x); }},
      {"LogicalNot", [](const at::Tensor& x) { return at::logical_not(x); }},
      {"Neg", [](const at::Tensor& x) { return at::neg(x); }},
      {"Reciprocal", [](const at::Tensor& x) { return at::reciprocal(x); }},
      {"Relu", [](const at::Tensor& x) { return at::relu(x); }},
      {"Relu6", [](const at::Tensor& x) { return at::clamp(x, 0, 6); }},
      {"Round", [](const at::Tensor& x) { return at::round(x); }},
      {"Rsqrt", [](const at::Tensor& x) { return at::rsqrt(x); }},
      {"Selu", [](const at::Tensor& x) { return at::selu(x); }},
      {"Sigmoid", [](const at::Tensor& x) { return at::sigmoid(x); }},
      {"Sign", [](const at::Tensor& x) { return at::sign(x); }},
      {"Sin", [](const at::Tensor& x) { return at::sin(x); }},
      {"Sinh", [](const at::Tensor& x) { return at::sinh(x); }},
      {"Softplus", [](const at::Tensor& x) { return at::softplus(x); }},
      {"Sqrt", [](const at::Tensor& x) { return at::sqrt(x); }},
      {"Square", [](const at::Tensor& x) { return at::square(x); }},
      {"Tan", [](const at::Tensor& x) { return at::tan(x); }},
      {"Tanh", [](const at::Tensor& x) { return at::tanh(x); }},
  };
  return table;
}

using Binary = at::Tensor (*)(const at::Tensor&, const at::Tensor&);
const std::unordered_map<std::string, Binary>& binaryOps() {
  static const std::unordered_map<std::string, Binary> table = {
      {"Add", [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); }},
      {"Sub", [](const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); }},
      {"Multiply", [](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); }},
      {"RealDiv", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); }},
      {"FloorDiv", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b, "floor"); }},
      {"Maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }},
      {"Minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }},
      {"Mod", [](const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); }},
      {"Pow", [](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); }},
      {"Atan2", [](const at::Tensor& a, const at::Tensor& b) { return at::atan2(a, b); }},
      {"SquaredDifference", [](const at::Tensor& a, const at::Tensor& b) { return at::square(a - b); }},
      {"Prelu", [](const at::Tensor& x, const at::Tensor& alpha) { return at::where(x < 0, x * alpha, x); }},
      {"Equal", [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }},
      {"NotEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); }},
      {"Less", [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }},
      {"LessEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }},
      {"Greater", [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }},
      {"GreaterEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }},
      {"LogicalAnd", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }},
      {"LogicalOr", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }},
      {"LogicalXor", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_xor(a, b); }},
      {"BitwiseAnd", [](const at::Tensor& a, const at::Tensor& b) { return at::bitwise_and(a, b); }},
      {"EluGrad", [](const at::Tensor& dy, const at::Tensor& y) { return at::where(y > 0, dy, dy * (y + 1)); }},
      // dy where x > 0 in one pass; tfjs's dy * step(x) takes four kernels.
      {"ReluGrad", [](const at::Tensor& dy, const at::Tensor& x) { return at::threshold_backward(dy, x, 0); }},
      // dy where 0 < x <= 6 (tfjs passes x == 6; ATen's hardtanh_backward would not).
      {"Relu6Grad", [](const at::Tensor& dy, const at::Tensor& x) { return passGrad(dy, x, 0, false, 6); }},
  };
  return table;
}

// --------------------------------------------------------- the op table

at::Tensor matmul(const Tensors& in, const Attrs& a) {
  at::Tensor x = a.b("transposeA") ? in[0].transpose(-2, -1) : in[0];
  at::Tensor y = a.b("transposeB") ? in[1].transpose(-2, -1) : in[1];
  // ATen's CPU GEMM has no int32 kernel.
  if (!x.is_floating_point()) return at::matmul(x.to(floatType()), y.to(floatType())).round().to(x.scalar_type());
  return at::matmul(x, y);
}

at::Tensor cumulative(const Tensors& in, const Attrs& a, bool product) {
  int64_t axis = a.i("axis");
  bool reverse = a.b("reverse");
  at::Tensor x = reverse ? at::flip(in[0], {axis}) : in[0];
  if (a.b("exclusive")) {
    // Shift by one along the axis, filling with the identity element.
    at::Tensor first = product ? at::ones_like(x.narrow(axis, 0, 1)) : at::zeros_like(x.narrow(axis, 0, 1));
    x = at::cat({first, x.narrow(axis, 0, x.size(axis) - 1)}, axis);
  }
  at::Tensor y = product ? at::cumprod(x, axis) : at::cumsum(x, axis);
  return reverse ? at::flip(y, {axis}) : y;
}

at::Tensor oneHot(const at::Tensor& indices, const Attrs& a) {
  // Out-of-range indices give an all-off row, as in tfjs (at::one_hot throws).
  at::Tensor classes = at::arange(a.i("depth"), indices.options().dtype(at::kLong));
  at::Tensor hot = indices.unsqueeze(-1).to(at::kLong) == classes;
  auto type = scalarType(a.s("dtype"));
  return at::where(hot, at::scalar_tensor(a.f("onValue"), indices.options().dtype(type)),
                   at::scalar_tensor(a.f("offValue"), indices.options().dtype(type)));
}

// tfjs strided slice after slice_util.sliceInfo: per-axis begin, stride
// (may be negative) and output size (finalShapeSparse), then a reshape to the
// final shape; element i of an axis is x[begin + i * stride].
at::Tensor stridedSlice(const at::Tensor& x, const Attrs& a) {
  auto begin = a.ints("begin"), strides = a.ints("strides"), sizes = a.ints("sizes");
  at::Tensor y = x;
  for (size_t d = 0; d < sizes.size(); ++d) {
    int64_t dim = static_cast<int64_t>(d), b = begin[d], s = strides[d];
    if (sizes[d] == 0) {
      y = y.narrow(dim, 0, 0);
      continue;
    }
    if (s < 0) {
      y = at::flip(y, {dim});
      b = y.size(dim) - 1 - b;
      s = -s;
    }
    y = y.slice(dim, b, b + (sizes[d] - 1) * s + 1, s);
  }
  return y.reshape(a.ints("finalShape"));
}

at::Tensor select(const Tensors& in) {
  at::Tensor cond = in[0].to(at::kBool);
  // tfjs: a rank-1 condition picks whole rows of higher-rank t/e.
  if (cond.dim() == 1 && in[1].dim() > 1) {
    std::vector<int64_t> shape(in[1].dim(), 1);
    shape[0] = cond.size(0);
    cond = cond.reshape(shape);
  }
  return at::where(cond, in[1], in[2]);
}

// ATen's CUDA indexing kernels report an out-of-range index with a
// device-side assert, which poisons the CUDA context for the rest of the
// process, where its CPU kernels throw. Off the CPU, check first (one
// reduction and a sync) and throw as the CPU would.
void checkIndexRange(const at::Tensor& index, int64_t size, const char* op) {
  if (index.device().is_cpu() || index.numel() == 0) return;
  if (((index < 0) | (index >= size)).any().item<bool>()) {
    throw std::out_of_range(std::string(op) + ": an index is outside [0, " + std::to_string(size) + ")");
  }
}

at::Tensor gather(const Tensors& in, const Attrs& a) {
  const at::Tensor &x = in[0], &indices = in[1];
  int64_t axis = a.i("axis");
  if (a.i("batchDims") != 0) throw std::invalid_argument("torch backend: GatherV2 with batchDims > 0 is not implemented");
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().begin() + axis);
  shape.insert(shape.end(), indices.sizes().begin(), indices.sizes().end());
  shape.insert(shape.end(), x.sizes().begin() + axis + 1, x.sizes().end());
  at::Tensor index = indices.reshape({-1}).to(at::kLong);
  checkIndexRange(index, x.size(axis), "GatherV2");
  return at::index_select(x, axis, index).reshape(shape);
}

// Stable descending sort keeps the lower index first among equal values, as tfjs does.
Tensors topK(const at::Tensor& x, const Attrs& a) {
  auto sorted = at::sort(x, true, -1, true);
  int64_t k = a.i("k");
  return {std::get<0>(sorted).narrow(-1, 0, k), std::get<1>(sorted).narrow(-1, 0, k)};
}

Tensors single(at::Tensor t) { return {std::move(t)}; }

// tfjs's argMax/argMin skip NaNs (they never compare greater or less) and
// accept bool; ATen's treat NaN as the extreme and have no bool kernel.
at::Tensor argExtreme(const at::Tensor& x, int64_t axis, bool max) {
  at::Tensor input = x.scalar_type() == at::kBool ? x.to(at::kInt) : x;
  if (input.is_floating_point()) {
    const double skip = max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    input = input.masked_fill(at::isnan(input), skip);
  }
  return max ? at::argmax(input, axis) : at::argmin(input, axis);
}

// Sums rows of `src` (along `axis`) into `size` slots picked by `indices`;
// indices outside [0, size) are dropped, as tfjs's unsortedSegmentSum does.
at::Tensor indexAdd(const at::Tensor& src, const at::Tensor& indices, const Attrs& a) {
  int64_t axis = a.i("axis"), size = a.i("size");
  at::Tensor idx = indices.to(at::kLong);
  idx = at::where((idx >= 0) & (idx < size), idx, size);  // slot `size` collects the dropped rows
  std::vector<int64_t> shape(src.sizes().begin(), src.sizes().end());
  shape[axis] = size + 1;
  return at::zeros(shape, src.options()).index_add_(axis, idx, src).narrow(axis, 0, size);
}

// inputs: x, indices (rows of x), updates -> a copy of x with those rows replaced.
at::Tensor indexPut(const Tensors& in) {
  at::Tensor index = in[1].to(at::kLong);
  checkIndexRange(index, in[0].size(0), "TensorScatterUpdate");
  c10::List<c10::optional<at::Tensor>> rows;
  rows.push_back(index);
  return in[0].index_put(rows, in[2]);
}

// Windowed sum over the last (channel) axis, `radius` each side, zeros outside.
at::Tensor channelWindowSum(const at::Tensor& x, int64_t radius) {
  return at::constant_pad_nd(x, {radius, radius}, 0).unfold(-1, 2 * radius + 1, 1).sum(-1);
}

// tfjs LRN over the last axis: y = x * (bias + alpha * sum(x^2 in window))^-beta.
at::Tensor lrnNorm(const at::Tensor& x, const Attrs& a) {
  return a.f("bias") + a.f("alpha") * channelWindowSum(x * x, a.i("depthRadius"));
}

// inputs: dy, x, y. dx_k = dy_k * norm_k^-beta - 2 alpha beta x_k * sum_j(dy_j y_j / norm_j), j in k's window.
at::Tensor lrnGrad(const Tensors& in, const Attrs& a) {
  const at::Tensor &dy = in[0], &x = in[1], &y = in[2];
  int64_t radius = a.i("depthRadius");
  double alpha = a.f("alpha"), beta = a.f("beta");
  at::Tensor norm = lrnNorm(x, a);
  at::Tensor cross = channelWindowSum(dy * y / norm, radius);
  return dy * at::pow(norm, -beta) - 2 * alpha * beta * x * cross;
}

const std::unordered_map<std::string, OpFn>& opTable() {
  static const std::unordered_map<std::string, OpFn> table = {
      // layout and copies
      {"Reshape", [](const Tensors& in, const Attrs& a) { return single(in[0].reshape(a.ints("shape"))); }},
      {"Cast", [](const Tensors& in, const Attrs& a) { return single(in[0].to(scalarType(a.s("dtype")))); }},
      {"Transpose", [](const Tensors& in, const Attrs& a) { return single(in[0].permute(a.ints("perm"))); }},
      {"Slice",
       [](const Tensors& in, const Attrs& a) {
         auto begin = a.ints("begin"), size = a.ints("size");
         at::Tensor y = in[0];
         for (size_t d = 0; d < begin.size(); ++d) y = y.narrow(d, begin[d], size[d]);
         return single(y);
       }},
      {"StridedSlice", [](const Tensors& in, const Attrs& a) { return single(stridedSlice(in[0], a)); }},
      {"Concat", [](const Tensors& in, const Attrs& a) { return single(at::cat(in, a.i("axis"))); }},
      {"Pack", [](const Tensors& in, const Attrs& a) { return single(at::stack(in, a.i("axis"))); }},
      {"Unpack", [](const Tensors& in, const Attrs& a) { return at::unbind(in[0], a.i("axis")); }},
      {"SplitV",
       [](const Tensors& in, const Attrs& a) { return at::split_with_sizes(in[0], a.ints("sizes"), a.i("axis")); }},
      {"PadV2",
       [](const Tensors& in, const Attrs& a) { return single(at::constant_pad_nd(in[0], a.ints("pads"), a.f("constantValue"))); }},
      {"Tile", [](const Tensors& in, const Attrs& a) { return single(in[0].repeat(a.ints("reps"))); }},
      {"Reverse", [](const Tensors& in, const Attrs& a) { return single(at::flip(in[0], a.ints("dims"))); }},
      {"GatherV2", [](const Tensors& in, const Attrs& a) { return single(gather(in, a)); }},
      {"OneHot", [](const Tensors& in, const Attrs& a) { return single(oneHot(in[0], a)); }},
      {"Select", [](const Tensors& in, const Attrs&) { return single(select(in)); }},
      {"Fill",
       [](const Tensors&, const Attrs& a) {
         return single(at::full(a.ints("shape"), a.f("value"), at::TensorOptions().dtype(scalarType(a.s("dtype"))).device(a.device())));
       }},
      {"ZerosLike", [](const Tensors& in, const Attrs&) { return single(at::zeros_like(in[0])); }},
      {"OnesLike", [](const Tensors& in, const Attrs&) { return single(at::ones_like(in[0])); }},
      // arithmetic that does not fit the unary/binary tables
      {"AddN",
       [](const Tensors& in, const Attrs&) {
         at::Tensor sum = in[0].clone();
         for (size_t k = 1; k < in.size(); ++k) sum.add_(in[k]);
         return single(sum);
       }},
      {"ClipByValueGrad",
       [](const Tensors& in, const Attrs& a) {
         // inputs: dy, x. dy where clipValueMin <= x <= clipValueMax (NaN: 0, as in tfjs); tfjs composes it of five kernels.
         return single(passGrad(in[0], in[1], a.f("clipValueMin"), true, a.f("clipValueMax")));
       }},
      {"ClipByValue",
       [](const Tensors& in, const Attrs& a) {
         // ATen promotes an int tensor clamped to double bounds; tfjs keeps the dtype.
         return single(at::clamp(in[0], a.f("clipValueMin"), a.f("clipValueMax")).to(in[0].scalar_type()));
       }},
      {"LeakyRelu", [](const Tensors& in, const Attrs& a) { return single(at::where(in[0] < 0, in[0] * a.f("alpha"), in[0])); }},
      {"Step",
       [](const Tensors& in, const Attrs& a) {
         const at::Tensor& x = in[0];
         return single(at::where(at::isnan(x), x, at::where(x > 0, at::ones_like(x), at::full_like(x, a.f("alpha")))));
       }},
      {"Cumsum", [](const Tensors& in, const Attrs& a) { return single(cumulative(in, a, false)); }},
      {"Cumprod", [](const Tensors& in, const Attrs& a) { return single(cumulative(in, a, true)); }},
      // reductions and selection
      {"Sum", [](const Tensors& in, const Attrs& a) { return reduce("Sum", in, a); }},
      {"Mean", [](const Tensors& in, const Attrs& a) { return reduce("Mean", in, a); }},
      {"Max", [](const Tensors& in, const Attrs& a) { return reduce("Max", in, a); }},
      {"Min", [](const Tensors& in, const Attrs& a) { return reduce("Min", in, a); }},
      {"Prod", [](const Tensors& in, const Attrs& a) { return reduce("Prod", in, a); }},
      {"All", [](const Tensors& in, const Attrs& a) { return reduce("All", in, a); }},
      {"Any", [](const Tensors& in, const Attrs& a) { return reduce("Any", in, a); }},
      {"ArgMax", [](const Tensors& in, const Attrs& a) { return single(argExtreme(in[0], a.i("axis"), true)); }},
      {"ArgMin", [](const Tensors& in, const Attrs& a) { return single(argExtreme(in[0], a.i("axis"), false)); }},
      {"TopK", [](const Tensors& in, const Attrs& a) { return topK(in[0], a); }},
      {"Softmax", [](const Tensors& in, const Attrs& a) { return single(at::softmax(in[0], a.i("dim"))); }},
      // linear algebra and convolutions
      {"BatchMatMul", [](const Tensors& in, const Attrs& a) { return single(matmul(in, a)); }},
      {"_FusedMatMul",
       [](const Tensors& in, const Attrs& a) {
         at::Tensor y = matmul(in, a);
         if (in[2].defined()) y = y + in[2];
         return single(activate(y, a, in[3]));
       }},
      {"Conv2D", [](const Tensors& in, const Attrs& a) { return fusedConv(in, a, false); }},
      {"FusedConv2D", [](const Tensors& in, const Attrs& a) { return fusedConv(in, a, false); }},
      {"DepthwiseConv2dNative", [](const Tensors& in, const Attrs& a) { return fusedConv(in, a, true); }},
      {"FusedDepthwiseConv2D", [](const Tensors& in, const Attrs& a) { return fusedConv(in, a, true); }},
      {"Conv2DBackpropInput",
       [](const Tensors& in, const Attrs& a) {
         return single(convBackpropInput(in[0], torchWeight(in[1]), a.ints("inputShape"), Window::from(a)));
       }},
      {"Conv2DBackpropFilter",
       [](const Tensors& in, const Attrs& a) {
         Window w = Window::from(a);
         return single(tfjsFilter(convBackpropWeight(in[0], in[1], weightShapeOf(a.ints("filterShape")), w)));
       }},
      {"DepthwiseConv2dNativeBackpropInput",
       [](const Tensors& in, const Attrs& a) {
         Window w = Window::from(a);
         w.groups = a.ints("inputShape")[3];
         return single(convBackpropInput(in[0], depthwiseWeight(in[1]), a.ints("inputShape"), w));
       }},
      {"DepthwiseConv2dNativeBackpropFilter",
       [](const Tensors& in, const Attrs& a) {
         Window w = Window::from(a);
         auto f = a.ints("filterShape");  // [kh, kw, in, mult]
         w.groups = f[2];
         at::Tensor dw = convBackpropWeight(in[0], in[1], {f[2] * f[3], 1, f[0], f[1]}, w);
         return single(tfjsFilter(dw).reshape(f));
       }},
      {"MaxPool", maxPool},
      {"MaxPoolWithArgmax", maxPoolWithArgmax},
      {"Dilation2D", dilation2d},
      {"Dilation2DBackpropInput", dilation2dBackpropInput},
      {"Dilation2DBackpropFilter", dilation2dBackpropFilter},
      {"Conv3D", conv3d},
      {"Conv3DBackpropInputV2", conv3dBackpropInput},
      {"Conv3DBackpropFilterV2", conv3dBackpropFilter},
      {"MaxPool3D", maxPool3d},
      {"MaxPool3DGrad", maxPool3dGrad},
      {"AvgPool3D", avgPool3d},
      {"AvgPool3DGrad", avgPool3dGrad},
      {"MaxPoolGrad", maxPoolGrad},
      {"AvgPool", avgPool},
      {"AvgPoolGrad", avgPoolGrad},
      {"FusedBatchNorm", fusedBatchNorm},
      // scatter, einsum, search and normalisation kernels outside the zoo (tfjs-core's suite)
      {"IndexAdd", [](const Tensors& in, const Attrs& a) { return single(indexAdd(in[0], in[1], a)); }},
      {"IndexPut", [](const Tensors& in, const Attrs&) { return single(indexPut(in)); }},
      {"Einsum", [](const Tensors& in, const Attrs& a) { return single(at::einsum(a.s("equation"), in)); }},
      {"SearchSorted",
       [](const Tensors& in, const Attrs& a) {
         return single(at::searchsorted(in[0], in[1], false, a.s("side") == "right"));
       }},
      {"LRN",
       [](const Tensors& in, const Attrs& a) { return single(in[0] * at::pow(lrnNorm(in[0], a), -a.f("beta"))); }},
      {"LRNGrad", [](const Tensors& in, const Attrs& a) { return single(lrnGrad(in, a)); }},
      {"BatchNormTrain", batchNormTrain},
      {"BatchNormTrainGrad", batchNormTrainGrad},
      {"MomentumUpdate", momentumUpdate},
  };
  return table;
}

}  // namespace

Tensors runOp(const std::string& name, const Tensors& inputs, const Attrs& attrs) {
  const auto& ops = opTable();
  auto op = ops.find(name);
  if (op != ops.end()) return op->second(inputs, attrs);
  const auto& unary = unaryOps();
  auto u = unary.find(name);
  if (u != unary.end()) {
    const at::Tensor& x = inputs[0];
    // An int input to a float function (exp, log, ...) is computed in
    // float32 by ATen; tfjs computes it in double and rounds once, which
    // CUDA's float32 exp (up to 2 ulp off) does not match. Such inputs go in
    // as double (narrowed once by store()); the op on an empty slice tells
    // which ops make floats of ints.
    bool floatOfInt = !x.is_floating_point() && u->second(x.reshape({-1}).narrow(0, 0, 0)).is_floating_point();
    return {u->second(floatOfInt ? x.to(at::kDouble) : x)};
  }
  const auto& binary = binaryOps();
  auto b = binary.find(name);
  if (b != binary.end()) return {b->second(inputs[0], inputs[1])};
  throw std::invalid_argument("torch backend: no native op named '" + name + "'");
}

}  // namespace dresnet
