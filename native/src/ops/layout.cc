// Layout and copies: views, casts, slices, joins and splits, padding,
// gathers and scatters, fills.
#include "common.h"

#include "../plan_fusion.h"
#include "../relu.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

namespace dresnet {
namespace {

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

}  // namespace

Tensors reluConcat(const Tensors& in, const Attrs&) {
  const at::Tensor& first = in[0];
  bool rows = first.is_cpu() && first.dim() == 4;
  int64_t channels = 0;
  for (const at::Tensor& t : in) {
    rows = rows && t.scalar_type() == at::kFloat && t.is_contiguous() && t.dim() == 4 && t.size(0) == first.size(0) &&
           t.size(1) == first.size(1) && t.size(2) == first.size(2);
    channels += t.size(-1);
  }
  if (!rows) {
    Tensors relu;
    for (const at::Tensor& t : in) relu.push_back(at::relu(t));
    return {at::cat(relu, 3)};
  }
  at::Tensor y = at::empty({first.size(0), first.size(1), first.size(2), channels}, first.options());
  float* py = y.data_ptr<float>();
  std::vector<const float*> parts;
  std::vector<int64_t> widths;
  for (const at::Tensor& t : in) {
    parts.push_back(t.data_ptr<float>());
    widths.push_back(t.size(3));
  }
  at::parallel_for(0, first.numel() / first.size(3), std::max<int64_t>(1, at::internal::GRAIN_SIZE / channels), [&](int64_t begin, int64_t end) {
    for (int64_t pixel = begin; pixel < end; ++pixel) {
      float* out = py + pixel * channels;
      for (size_t part = 0; part < parts.size(); ++part) {
        const int64_t c = widths[part];
        const float* a = parts[part] + pixel * c;
#pragma omp simd
        for (int64_t k = 0; k < c; ++k) out[k] = reluOf(a[k]);
        out += c;
      }
    }
  });
  return {y};
}

Tensors channelSlice(const Tensors& in, const Attrs& a) { return {in[0].narrow(-1, a.i("begin"), a.i("size"))}; }

void addLayoutOps(OpTable& table) {
  table.add({
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
      {"IndexAdd", [](const Tensors& in, const Attrs& a) { return single(indexAdd(in[0], in[1], a)); }},
      {"IndexPut", [](const Tensors& in, const Attrs&) { return single(indexPut(in)); }},
  });
}

}  // namespace dresnet
