// What the op files (one per area, see ops.cc) share: the op table's types,
// the NHWC <-> channels-last views, and the window geometry of convolutions
// and pooling.
#pragma once

#include "../ops.h"
#include "../row_window.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dresnet {

// Name -> computation; every area file adds its ops (add*Ops below).
class OpTable {
 public:
  void add(const std::string& name, OpFn fn) {
    if (!ops_.emplace(name, std::move(fn)).second) throw std::logic_error("internal: native op '" + name + "' defined twice");
  }
  void add(std::initializer_list<std::pair<std::string, OpFn>> entries) {
    for (const auto& [name, fn] : entries) add(name, fn);
  }
  const std::unordered_map<std::string, OpFn>& ops() const { return ops_; }

 private:
  std::unordered_map<std::string, OpFn> ops_;
};

void addElementwiseOps(OpTable& table);
void addConvolutionOps(OpTable& table);
void addPoolingOps(OpTable& table);
void addReductionOps(OpTable& table);
void addNormalizationOps(OpTable& table);
void addLayoutOps(OpTable& table);
void addOptimizerOps(OpTable& table);

inline Tensors single(at::Tensor t) { return {std::move(t)}; }

inline at::ScalarType scalarType(const std::string& dtype) {
  if (dtype == "float32") return floatType();
  if (dtype == "int32") return at::kInt;
  if (dtype == "bool") return at::kBool;
  throw std::invalid_argument("torch backend: unsupported dtype '" + dtype + "'");
}

// --------------------------------------------------------- layout helpers

// A contiguous NHWC tensor viewed as NCHW is exactly a channels-last tensor.
inline at::Tensor nchw(const at::Tensor& x) { return x.permute({0, 3, 1, 2}); }
inline at::Tensor nhwc(const at::Tensor& y) { return y.permute({0, 2, 3, 1}).contiguous(); }

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
  bool padded() const { return std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; }); }
  // ATen's pooling wants padding <= half the window.
  bool poolPaddingOk() const { return symmetric() && pads[0] <= kernel[0] / 2 && pads[2] <= kernel[1] / 2; }
  std::vector<int64_t> padding() const { return {pads[0], pads[2]}; }
  static std::vector<int64_t> none() { return {0, 0}; }
};

inline at::Tensor padNHWC(const at::Tensor& x, const std::vector<int64_t>& p, double value) {
  return at::constant_pad_nd(x, {0, 0, p[2], p[3], p[0], p[1]}, value);
}
// Undo padNHWC on a gradient with respect to the padded input.
inline at::Tensor cropNHWC(const at::Tensor& x, const std::vector<int64_t>& p) {
  return x.slice(1, p[0], x.size(1) - p[1]).slice(2, p[2], x.size(2) - p[3]).contiguous();
}
inline std::vector<int64_t> paddedNCHWShape(const std::vector<int64_t>& nhwcShape, const std::vector<int64_t>& p) {
  return {nhwcShape[0], nhwcShape[3], nhwcShape[1] + p[0] + p[1], nhwcShape[2] + p[2] + p[3]};
}
inline at::Tensor emptyChannelsLast(const std::vector<int64_t>& shape, const at::Tensor& like) {
  return at::empty(shape, like.options().memory_format(at::MemoryFormat::ChannelsLast));
}

inline int64_t outSize(int64_t padded, int64_t k, int64_t stride, int64_t dilation) { return (padded - dilation * (k - 1) - 1) / stride + 1; }
// Output rows (axis 0) or columns (axis 1) of a window of size k over an NHWC x, w's padding included.
inline int64_t windowOut(const Window& w, int axis, const at::Tensor& x, int64_t k) {
  return outSize(x.size(1 + axis) + w.pads[2 * axis] + w.pads[2 * axis + 1], k, w.stride[axis], w.dilation[axis]);
}

// The window of a row kernel (pool_rows, depthwise_rows) of size kh x kw over x.
inline RowWindow rowWindow(const Window& w, const at::Tensor& x, int64_t kh, int64_t kw) {
  return {kh, kw, w.stride[0], w.stride[1], w.dilation[0], w.dilation[1], w.pads[0], w.pads[2],
          windowOut(w, 0, x, kh), windowOut(w, 1, x, kw)};
}

// ------------------------------------------------------------ 3-D (NDHWC)

// Contiguous NDHWC viewed as NCDHW is a channels-last-3d tensor, as in 2-D.
inline at::Tensor ncdhw(const at::Tensor& x) { return x.permute({0, 4, 1, 2, 3}); }
inline at::Tensor ndhwc(const at::Tensor& y) { return y.permute({0, 2, 3, 4, 1}).contiguous(); }

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
inline const std::vector<int64_t> kNoPad3d{0, 0, 0};

}  // namespace dresnet
