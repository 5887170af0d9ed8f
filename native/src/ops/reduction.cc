// Reductions, scans and selection along axes.
#include "common.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>

namespace dresnet {
namespace {

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

// The gradients of y = x * s, s one value per (image, channel): x [N, ..., C]
// and s [N, 1, ..., 1, C] (an SE block's channel weighting). dx = dy * s and
// ds = the sum of dy * x over the middle axes, in one pass over dy and x;
// tfjs-core's Multiply gradient takes three kernels for the same (dy * s, a
// dy * x as large as x, then its sum). Each image's sums run in row order
// (float blocks of kRows rows folded into doubles), one image per task, so
// the result depends on neither the thread count nor the scheduling.
Tensors channelScaleGrad(const Tensors& in, const Attrs&) {
  const at::Tensor &dy = in[0], &x = in[1], &s = in[2];
  const int64_t n = x.size(0), c = x.size(-1);
  if (!x.is_cpu() || x.scalar_type() != at::kFloat || dy.scalar_type() != at::kFloat || s.scalar_type() != at::kFloat ||
      !dy.is_contiguous() || !x.is_contiguous() || !s.is_contiguous() || s.numel() != n * c || dy.sizes() != x.sizes()) {
    std::vector<int64_t> middle;
    for (int64_t d = 1; d + 1 < x.dim(); ++d) middle.push_back(d);
    return {dy * s, (dy * x).sum(middle, true)};
  }
  constexpr int64_t kRows = 32;
  const int64_t rows = n == 0 || c == 0 ? 0 : x.numel() / (n * c);
  at::Tensor dx = at::empty_like(dy);
  at::Tensor ds = at::empty_like(s);
  const float *pdy = dy.data_ptr<float>(), *px = x.data_ptr<float>(), *ps = s.data_ptr<float>();
  float *pdx = dx.data_ptr<float>(), *pds = ds.data_ptr<float>();
  at::parallel_for(0, n, 1, [&](int64_t first, int64_t end) {
    std::vector<double> total(static_cast<size_t>(c));
    std::vector<float> block(static_cast<size_t>(c));
    for (int64_t img = first; img < end; ++img) {
      const float* scale = ps + img * c;
      std::fill(total.begin(), total.end(), 0.0);
      for (int64_t r0 = 0; r0 < rows; r0 += kRows) {
        std::fill(block.begin(), block.end(), 0.0f);
        for (int64_t r = r0; r < std::min(rows, r0 + kRows); ++r) {
          const int64_t off = (img * rows + r) * c;
          const float *g = pdy + off, *v = px + off;
          float* out = pdx + off;
          float* acc = block.data();
#pragma omp simd
          for (int64_t k = 0; k < c; ++k) {
            out[k] = g[k] * scale[k];
            acc[k] += g[k] * v[k];
          }
        }
        for (int64_t k = 0; k < c; ++k) total[k] += block[k];
      }
      for (int64_t k = 0; k < c; ++k) pds[img * c + k] = static_cast<float>(total[k]);
    }
  });
  return {dx, ds};
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

// Stable descending sort keeps the lower index first among equal values, as tfjs does.
Tensors topK(const at::Tensor& x, const Attrs& a) {
  auto sorted = at::sort(x, true, -1, true);
  int64_t k = a.i("k");
  return {std::get<0>(sorted).narrow(-1, 0, k), std::get<1>(sorted).narrow(-1, 0, k)};
}

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

}  // namespace

void addReductionOps(OpTable& table) {
  table.add({
      {"Cumsum", [](const Tensors& in, const Attrs& a) { return single(cumulative(in, a, false)); }},
      {"Cumprod", [](const Tensors& in, const Attrs& a) { return single(cumulative(in, a, true)); }},
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
      {"ChannelScaleGrad", channelScaleGrad},
      {"Softmax", [](const Tensors& in, const Attrs& a) { return single(at::softmax(in[0], a.i("dim"))); }},
      {"SearchSorted",
       [](const Tensors& in, const Attrs& a) {
         return single(at::searchsorted(in[0], in[1], false, a.s("side") == "right"));
       }},
  });
}

}  // namespace dresnet
