// Convolutions (2-D, depthwise, 3-D, fused with bias and activation), their
// gradients, and matrix products.
#include "common.h"

#include "../depthwise_rows.h"
#include "../grouped_pointwise.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace dresnet {
namespace {

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

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr Clamp kNoClamp{-kInf, kInf};

// The activations that are a clamp (for linear, an empty one): a row kernel
// applies them in its own pass.
c10::optional<Clamp> clampOf(const std::string& act) {
  if (act == "linear") return kNoClamp;
  if (act == "relu") return Clamp{0, kInf};
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

// Output pixels of the whole batch.
int64_t outPixels(const at::Tensor& x, const at::Tensor& filter, const Window& w) {
  return x.size(0) * windowOut(w, 0, x, filter.size(0)) * windowOut(w, 1, x, filter.size(1));
}

bool convAsGemm(const at::Tensor& x, const at::Tensor& filter, const Window& w) {
  return w.groups == 1 && x.is_cpu() && outPixels(x, filter, w) <= kFewPixels;
}

// filter: tfjs's [kh, kw, in, out]. It is re-laid out first (torchWeight),
// so the product always sums a pixel's terms in one order, (in, kh, kw) as the
// re-laid storage holds them, read without a copy. (It followed the filter's
// storage as it came: tfjs's (kh, kw, in) order until some other convolution
// re-laid the filter out, then this one; so the same convolution of the same
// values rounded differently depending on what ran before it, e.g. a batch's
// deep layers at inference before and after a larger batch had gone through
// oneDNN.) A training step's backward pass re-lays the filter out anyway.
// The input under each filter position, [N, outH, outW, in] views, row by row.
std::vector<at::Tensor> convTaps(const at::Tensor& x, const Window& w, int64_t kh, int64_t kw) {
  const at::Tensor input = w.padded() ? padNHWC(x, w.pads, 0) : x;
  const int64_t outH = windowOut(w, 0, x, kh), outW = windowOut(w, 1, x, kw);
  std::vector<at::Tensor> taps;
  for (int64_t i = 0; i < kh; ++i) {
    for (int64_t j = 0; j < kw; ++j) {
      taps.push_back(input.slice(1, i * w.dilation[0], i * w.dilation[0] + w.stride[0] * (outH - 1) + 1, w.stride[0])
                         .slice(2, j * w.dilation[1], j * w.dilation[1] + w.stride[1] * (outW - 1) + 1, w.stride[1]));
    }
  }
  return taps;
}

at::Tensor convGemm(const at::Tensor& x, const at::Tensor& filter, const at::Tensor& bias, const Window& w) {
  const int64_t kh = filter.size(0), kw = filter.size(1), in = filter.size(2), out = filter.size(3);
  const std::vector<at::Tensor> taps = convTaps(x, w, kh, kw);
  // [out, in, kh, kw], contiguous: as a [in*kh*kw, out] matrix, a transposed view.
  const at::Tensor weight = torchWeight(filter).view({out, in * kh * kw}).t();
  at::Tensor patches = taps.size() == 1 ? taps[0] : at::stack(taps, 4);  // [N, outH, outW, in, kh*kw]
  patches = patches.reshape({-1, in * kh * kw});
  at::Tensor y = bias.defined() ? at::addmm(bias, patches, weight) : at::mm(patches, weight);
  return y.view({x.size(0), taps[0].size(1), taps[0].size(2), out});
}

// Where the row kernels run 16-lane AVX-512 tiles, a dense float32
// convolution over few pixels with up to kDenseRowsOut outputs goes to them
// instead of convGemm: the patches tap by tap, as tfjs's filter [kh, kw, in,
// out] holds its rows, times that filter read as a [kh*kw*in, out] matrix
// with no re-layout, the bias and clamp in the same pass, each output summed
// in one order. On a 2-core Zen 5 (where OpenBLAS runs its AVX2 kernels),
// ResNet-50's layers at batch 1, 128 px, median of 41: 3x3 256->256 at 8x8
// 0.55 ms against 0.90-0.98, 3x3 512->512 at 4x4 0.59 against 0.88,
// 1x1 1024->256 at 8x8 0.21 against 0.28-0.34, 1x1 2048->512 at 4x4 0.23
// against 0.40-0.52, 3x3 128->128 at 16x16 0.37-0.43 against 0.83-1.03;
// wider outputs lost (1x1 256->1024 at 8x8 0.94 against 0.70: a single
// thread takes so few rows, where BLAS splits the columns).
constexpr int64_t kDenseRowsOut = 512;

bool denseRowsApply(const at::Tensor& x, const at::Tensor& filter, const Window& w) {
  return convAsGemm(x, filter, w) && x.scalar_type() == at::kFloat && filter.size(3) <= kDenseRowsOut &&
         groupedPointwiseSupported() && groupedPointwiseWide();
}

at::Tensor denseRowsConv(const at::Tensor& x, const at::Tensor& filter, const at::Tensor& bias, const Window& w, Clamp clamp) {
  const int64_t kh = filter.size(0), kw = filter.size(1), in = filter.size(2), out = filter.size(3);
  const std::vector<at::Tensor> taps = convTaps(x, w, kh, kw);
  at::Tensor patches = taps.size() == 1 ? taps[0] : at::stack(taps, 3);  // [N, outH, outW, kh*kw, in]
  patches = patches.reshape({-1, kh * kw * in}).contiguous();
  const at::Tensor y = groupedRowsProduct(patches, filter.contiguous().view({1, kh * kw * in, out}), bias, clamp);
  return y.view({x.size(0), taps[0].size(1), taps[0].size(2), out});
}

// Grouped 1x1 convolutions (DResNet's squeeze, path, fuse and shortcut
// convs: 4 groups of 12 to 192 channels). oneDNN's grouped kernel runs them
// well below the speed of a product. Measured in ATen 1.13 on 2 cores at
// batch 32, forward and both backward, each DResNet layer at 128 px in turn
// with oneDNN, BLAS (one product per group on column slices) and the row
// kernels (grouped_pointwise.h, every row read once for all groups), best of
// 3 alternations: at 17x17 and 9x9 the row kernels took half of oneDNN's time
// or less (17x17x192->192 11.4 ms against 22.6, 9x9x384->384 9.8 against
// 15.3) and less than BLAS; at 33x33 (12 to 24 channels a group) all three
// are within the machine's noise of each other, bound by memory; only the
// widest groups (5x5x768->768, 192 a group) go faster through BLAS (8.8 ms
// against the rows' 11.1 and oneDNN's 23.2). With AVX-512 (a 2-core Zen 5)
// the rows' 16-lane tiles take those too: 5x5x768->768 3.4 ms against BLAS's
// 3.5 with OpenBLAS's AVX-512 kernels and about 6 with the AVX2 ones it picks for
// that CPU. Without AVX2, BLAS takes the products where BLAS is not slow
// (wide groups or few pixels).
enum class Pointwise { Aten, Rows, Blas };
constexpr int64_t kBlasChannels = 128, kGroupGemmChannels = 48, kGroupGemmPixels = 512;

// x: the NHWC input's shape; like: a tensor on its device with its dtype; kh, kw, outChannels: the filter's.
Pointwise groupedPointwisePath(at::IntArrayRef x, const at::Tensor& like, int64_t kh, int64_t kw, int64_t outChannels,
                               const Window& w) {
  if (w.groups <= 1 || !like.is_cpu() || like.scalar_type() != at::kFloat || kh != 1 || kw != 1) return Pointwise::Aten;
  if (w.dilation[0] != 1 || w.dilation[1] != 1) return Pointwise::Aten;
  if (w.padded()) return Pointwise::Aten;
  const int64_t in = x[3] / w.groups, out = outChannels / w.groups;
  if (in == 1) return Pointwise::Aten;  // depthwise
  if (groupedPointwiseSupported()) {
    return !groupedPointwiseWide() && std::min(in, out) >= kBlasChannels ? Pointwise::Blas : Pointwise::Rows;
  }
  const int64_t pixels = x[0] * outSize(x[1], 1, w.stride[0], 1) * outSize(x[2], 1, w.stride[1], 1);
  return pixels <= kGroupGemmPixels || std::min(in, out) >= kGroupGemmChannels ? Pointwise::Blas : Pointwise::Aten;
}

bool strided(const Window& w) { return w.stride[0] != 1 || w.stride[1] != 1; }

// The pixels a 1x1 conv reads, [pixels, channels] (a copy only when strided).
at::Tensor pointwiseRows(const at::Tensor& x, const Window& w) {
  const at::Tensor taken = strided(w) ? x.slice(1, 0, x.size(1), w.stride[0]).slice(2, 0, x.size(2), w.stride[1]) : x;
  return taken.contiguous().view({-1, x.size(3)});
}

// The gradient of the pixels a strided 1x1 conv reads, in place in the input's shape (zero elsewhere).
at::Tensor scatterStrided(const at::Tensor& taken, const std::vector<int64_t>& inputShape, const Window& w) {
  if (!strided(w)) return taken;
  at::Tensor dx = at::zeros(inputShape, taken.options());
  dx.slice(1, 0, inputShape[1], w.stride[0]).slice(2, 0, inputShape[2], w.stride[1]).copy_(taken);
  return dx;
}

// tfjs filter [1, 1, in/groups, out] as groups' [in/groups, out/groups] matrices (a view).
at::Tensor groupMatrices(const at::Tensor& filter, int64_t groups) {
  return filter.reshape({filter.size(2), groups, filter.size(3) / groups}).permute({1, 0, 2});
}

// Column slice g of a [rows, groups * width] matrix.
at::Tensor groupColumns(const at::Tensor& m, int64_t g, int64_t width) { return m.slice(1, g * width, (g + 1) * width); }

// The BLAS path's weights: re-laid out first (torchWeight), so each product
// sums in one order whatever ran before (see convGemm); [out, in/groups].
at::Tensor blasWeight(const at::Tensor& filter) { return torchWeight(filter).view({filter.size(3), filter.size(2)}); }

// rows [pixels, in] -> [pixels, out]; filter tfjs [1, 1, in/groups, out].
at::Tensor blasForward(const at::Tensor& rows, const at::Tensor& filter, const at::Tensor& bias, int64_t groups) {
  const int64_t in = filter.size(2), outChannels = filter.size(3), out = outChannels / groups;
  const at::Tensor weight = blasWeight(filter);
  at::Tensor y = at::empty({rows.size(0), outChannels}, rows.options());
  for (int64_t g = 0; g < groups; ++g) {
    at::Tensor yg = groupColumns(y, g, out);
    const at::Tensor wg = weight.slice(0, g * out, (g + 1) * out).t();
    if (bias.defined()) {
      at::addmm_out(yg, bias.slice(0, g * out, (g + 1) * out), groupColumns(rows, g, in), wg);
    } else {
      at::mm_out(yg, groupColumns(rows, g, in), wg);
    }
  }
  return y;
}

// dy rows [pixels, out] -> [pixels, in].
at::Tensor blasBackpropInput(const at::Tensor& dyRows, const at::Tensor& filter, int64_t groups) {
  const int64_t in = filter.size(2), out = filter.size(3) / groups;
  const at::Tensor weight = blasWeight(filter);
  at::Tensor dx = at::empty({dyRows.size(0), in * groups}, dyRows.options());
  for (int64_t g = 0; g < groups; ++g) {
    at::Tensor dxg = groupColumns(dx, g, in);
    at::mm_out(dxg, groupColumns(dyRows, g, out), weight.slice(0, g * out, (g + 1) * out));
  }
  return dx;
}

// rows [pixels, in], dy rows [pixels, out] -> groups' [in/groups, out/groups].
at::Tensor blasBackpropFilter(const at::Tensor& rows, const at::Tensor& dyRows, int64_t groups) {
  const int64_t in = rows.size(1) / groups, out = dyRows.size(1) / groups;
  at::Tensor dw = at::empty({groups, in, out}, rows.options());
  for (int64_t g = 0; g < groups; ++g) {
    at::Tensor dwg = dw[g];
    at::mm_out(dwg, groupColumns(rows, g, in).t(), groupColumns(dyRows, g, out));
  }
  return dw;
}

at::Tensor clampInPlace(const at::Tensor& y, Clamp clamp) {
  const bool linear = clamp.lo == kNoClamp.lo && clamp.hi == kNoClamp.hi;
  return linear ? y : y.clamp_(clamp.lo, clamp.hi);
}

// x [N, H, W, in] -> clamp(conv + bias) [N, outH, outW, out].
at::Tensor groupedPointwiseForward(Pointwise path, const at::Tensor& x, const at::Tensor& filter, const at::Tensor& bias,
                                   const Window& w, Clamp clamp) {
  const at::Tensor rows = pointwiseRows(x, w);
  at::Tensor y = path == Pointwise::Rows ? groupedRowsProduct(rows, groupMatrices(filter, w.groups), bias, clamp)
                                         : clampInPlace(blasForward(rows, filter, bias, w.groups), clamp);
  return y.view({x.size(0), outSize(x.size(1), 1, w.stride[0], 1), outSize(x.size(2), 1, w.stride[1], 1), filter.size(3)});
}

// dy [N, outH, outW, out] -> dx [N, H, W, in].
at::Tensor groupedPointwiseBackpropInput(Pointwise path, const at::Tensor& dy, const at::Tensor& filter,
                                         const std::vector<int64_t>& inputShape, const Window& w) {
  const at::Tensor rows = dy.contiguous().view({-1, dy.size(3)});
  const at::Tensor dx = path == Pointwise::Rows
                            ? groupedRowsProduct(rows, groupMatrices(filter, w.groups).transpose(1, 2), at::Tensor(), kNoClamp)
                            : blasBackpropInput(rows, filter, w.groups);
  return scatterStrided(dx.view({dy.size(0), dy.size(1), dy.size(2), inputShape[3]}), inputShape, w);
}

// x [N, H, W, in], dy [N, outH, outW, out] -> tfjs filter [1, 1, in/groups, out].
at::Tensor groupedPointwiseBackpropFilter(Pointwise path, const at::Tensor& x, const at::Tensor& dy,
                                          const std::vector<int64_t>& filterShape, const Window& w) {
  const at::Tensor rows = pointwiseRows(x, w), dyRows = dy.contiguous().view({-1, dy.size(3)});
  const at::Tensor dw = path == Pointwise::Rows ? groupedRowsGram(rows, dyRows, w.groups) : blasBackpropFilter(rows, dyRows, w.groups);
  return dw.permute({1, 0, 2}).contiguous().view(filterShape);
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

// Bias goes into the convolution when it is one value per output channel.
Tensors fusedConv(const Tensors& in, const Attrs& a, bool depthwise) {
  const at::Tensor &x = in[0], &filter = in[1], &bias = in[2];
  Window w = Window::from(a);
  if (depthwise) w.groups = x.size(3);
  const int64_t outChannels = depthwise ? x.size(3) * filter.size(3) : filter.size(3);
  const bool channelBias = bias.defined() && bias.dim() == 1 && bias.size(0) == outChannels;
  const at::Tensor b = channelBias ? bias : at::Tensor();
  const c10::optional<Clamp> clamp = clampOf(activationOf(a));
  // A row kernel adds the bias and applies the activation in its own pass.
  const bool rowKernelEpilogue = clamp && (!bias.defined() || channelBias);
  if (rowKernelEpilogue && depthwiseRowsApply(x, filter, w)) {
    // [kh, kw, 1, C] (grouped) or [kh, kw, C, 1] (tfjs depthwise): per tap, C weights in a row.
    const at::Tensor taps = filter.reshape({filter.size(0), filter.size(1), x.size(3)}).contiguous();
    return {depthwiseRowsForward(x, taps, b, rowWindow(w, x, filter.size(0), filter.size(1)), *clamp)};
  }
  const Pointwise pointwise =
      depthwise ? Pointwise::Aten : groupedPointwisePath(x.sizes(), x, filter.size(0), filter.size(1), filter.size(3), w);
  if (rowKernelEpilogue && pointwise != Pointwise::Aten) {
    return {groupedPointwiseForward(pointwise, x, filter, b, w, *clamp)};
  }
  if (rowKernelEpilogue && !depthwise && denseRowsApply(x, filter, w)) return {denseRowsConv(x, filter, b, w, *clamp)};
  at::Tensor y = depthwise                   ? convForward(x, depthwiseWeight(filter), b, w)
                 : convAsGemm(x, filter, w) ? convGemm(x, filter, b, w)
                                            : convForward(x, torchWeight(filter), b, w);
  if (bias.defined() && !channelBias) y = y + bias;
  return {activate(y, a, in[3])};
}

// tfjs filter [kd, kh, kw, in, out] <-> ATen weight [out, in, kd, kh, kw].
at::Tensor torchWeight3d(const at::Tensor& f) { return f.permute({4, 3, 0, 1, 2}).contiguous(); }
at::Tensor tfjsFilter3d(const at::Tensor& w) { return w.permute({2, 3, 4, 1, 0}).contiguous(); }

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

// Products up to this many multiply-adds run on one thread in the register
// tiles of grouped_pointwise.h: OpenBLAS spent 35-90 us starting its threads
// for an SE block's [32, 384] x [384, 24] (0.3 M multiply-adds), which the
// tiles do in a few microseconds.
constexpr int64_t kSmallProductMacs = int64_t{1} << 21;

// x [..., m, k] x y [..., k, n] with every batch dimension 1, small, float on the CPU.
bool smallProduct(const at::Tensor& x, const at::Tensor& y) {
  if (!x.is_cpu() || x.scalar_type() != at::kFloat || y.scalar_type() != at::kFloat || !groupedPointwiseSupported()) return false;
  if (x.dim() != y.dim() || x.numel() == 0 || y.numel() == 0) return false;
  if (x.numel() != x.size(-2) * x.size(-1) || y.numel() != y.size(-2) * y.size(-1)) return false;
  return x.size(-2) * x.size(-1) * y.size(-1) <= kSmallProductMacs;
}

// x^T arrives as rows (a weight gradient, inputs^T x output gradients): a
// Gram of its rows, with no transposed copy.
at::Tensor smallMatmul(const at::Tensor& x, const at::Tensor& y, bool transposedX) {
  const int64_t m = x.size(-2), k = x.size(-1), n = y.size(-1);
  std::vector<int64_t> shape = x.sizes().vec();
  shape.back() = n;
  const at::Tensor yRows = y.reshape({k, n});
  const at::Tensor out = transposedX ? groupedRowsGram(x.reshape({m, k}).t().contiguous(), yRows.contiguous(), 1, false)
                                     : groupedRowsProduct(x.reshape({m, k}).contiguous(), yRows.unsqueeze(0), at::Tensor(), kNoClamp, false);
  return out.view(shape);
}

at::Tensor matmul(const Tensors& in, const Attrs& a) {
  at::Tensor x = a.b("transposeA") ? in[0].transpose(-2, -1) : in[0];
  at::Tensor y = a.b("transposeB") ? in[1].transpose(-2, -1) : in[1];
  // ATen's CPU GEMM has no int32 kernel.
  if (!x.is_floating_point()) return at::matmul(x.to(floatType()), y.to(floatType())).round().to(x.scalar_type());
  if (smallProduct(x, y)) return smallMatmul(x, y, a.b("transposeA"));
  return at::matmul(x, y);
}

}  // namespace

void addConvolutionOps(OpTable& table) {
  table.add({
      {"BatchMatMul", [](const Tensors& in, const Attrs& a) { return single(matmul(in, a)); }},
      {"_FusedMatMul",
       [](const Tensors& in, const Attrs& a) {
         at::Tensor y = matmul(in, a);
         if (in[2].defined()) y = y + in[2];
         return single(activate(y, a, in[3]));
       }},
      {"Einsum", [](const Tensors& in, const Attrs& a) { return single(at::einsum(a.s("equation"), in)); }},
      {"Conv2D", [](const Tensors& in, const Attrs& a) { return fusedConv(in, a, false); }},
      {"FusedConv2D", [](const Tensors& in, const Attrs& a) { return fusedConv(in, a, false); }},
      {"DepthwiseConv2dNative", [](const Tensors& in, const Attrs& a) { return fusedConv(in, a, true); }},
      {"FusedDepthwiseConv2D", [](const Tensors& in, const Attrs& a) { return fusedConv(in, a, true); }},
      {"Conv2DBackpropInput",
       [](const Tensors& in, const Attrs& a) {
         const Window w = Window::from(a);
         const auto inputShape = a.ints("inputShape");
         const at::Tensor& filter = in[1];
         const Pointwise path = groupedPointwisePath(inputShape, in[0], filter.size(0), filter.size(1), filter.size(3), w);
         if (path != Pointwise::Aten) return single(groupedPointwiseBackpropInput(path, in[0], filter, inputShape, w));
         return single(convBackpropInput(in[0], torchWeight(filter), inputShape, w));
       }},
      {"Conv2DBackpropFilter",
       [](const Tensors& in, const Attrs& a) {
         const Window w = Window::from(a);
         const auto f = a.ints("filterShape");
         const Pointwise path = groupedPointwisePath(in[0].sizes(), in[0], f[0], f[1], f[3], w);
         if (path != Pointwise::Aten) return single(groupedPointwiseBackpropFilter(path, in[0], in[1], f, w));
         return single(tfjsFilter(convBackpropWeight(in[0], in[1], weightShapeOf(f), w)));
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
      {"Conv3D", conv3d},
      {"Conv3DBackpropInputV2", conv3dBackpropInput},
      {"Conv3DBackpropFilterV2", conv3dBackpropFilter},
  });
}

}  // namespace dresnet
