// Elementwise ops: the unary and binary tables (one ATen call each), the
// activations and their gradients.
#include "common.h"

#include "../plan_fusion.h"
#include "../relu.h"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/TensorIterator.h>

namespace dresnet {
namespace {

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

// An int input to a float function (exp, log, ...) is computed in float32 by
// ATen; tfjs computes it in double and rounds once, which CUDA's float32 exp
// (up to 2 ulp off) does not match. Such inputs go in as double (narrowed
// once by the handle table's store()); the op on an empty slice tells which
// ops make floats of ints.
OpFn unaryOp(Unary f) {
  return [f](const Tensors& in, const Attrs&) -> Tensors {
    const at::Tensor& x = in[0];
    bool floatOfInt = !x.is_floating_point() && f(x.reshape({-1}).narrow(0, 0, 0)).is_floating_point();
    return {f(floatOfInt ? x.to(at::kDouble) : x)};
  };
}

OpFn binaryOp(Binary f) {
  return [f](const Tensors& in, const Attrs&) -> Tensors { return {f(in[0], in[1])}; };
}

// Channels [0, c) of one pixel: relu(x + r * s), the product and the sum each
// rounded (no FMA: the unfused Multiply and Add round twice), a NaN kept and
// -0 kept as at::relu keeps them.
__attribute__((optimize("fp-contract=off"))) void scaleAddReluPixel(const float* r, const float* s, const float* x, float* y,
                                                                    int64_t c) {
#pragma omp simd
  for (int64_t k = 0; k < c; ++k) {
    const float product = r[k] * s[k];
    const float sum = x[k] + product;
    y[k] = reluOf(sum);
  }
}

bool scaleAddReluRows(const at::Tensor& r, const at::Tensor& s, const at::Tensor& x) {
  return r.is_cpu() && r.scalar_type() == at::kFloat && s.scalar_type() == at::kFloat && x.scalar_type() == at::kFloat &&
         r.is_contiguous() && s.is_contiguous() && x.is_contiguous() && s.device() == r.device() && x.device() == r.device() &&
         r.dim() == 4 && r.sizes() == x.sizes() && s.dim() == 4 && (s.size(0) == r.size(0) || s.size(0) == 1) && s.size(1) == 1 &&
         s.size(2) == 1 && s.size(3) == r.size(3);
}

}  // namespace

Tensors scaleAddRelu(const Tensors& in, const Attrs&) {
  const at::Tensor &r = in[0], &s = in[1], &x = in[2];
  if (!scaleAddReluRows(r, s, x)) return {at::relu(at::add(x, at::mul(r, s)))};
  const int64_t c = r.size(3), pixels = r.size(1) * r.size(2), batchScale = s.size(0) == 1 ? 0 : 1;
  at::Tensor y = at::empty_like(r);
  const float *pr = r.data_ptr<float>(), *ps = s.data_ptr<float>(), *px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();
  at::parallel_for(0, r.size(0) * pixels, std::max<int64_t>(1, at::internal::GRAIN_SIZE / std::max<int64_t>(1, c)),
                   [&](int64_t begin, int64_t end) {
                     for (int64_t p = begin; p < end; ++p) {
                       scaleAddReluPixel(pr + p * c, ps + batchScale * (p / pixels) * c, px + p * c, py + p * c, c);
                     }
                   });
  return {y};
}

// Whether in[0..] are contiguous float CPU tensors of one shape.
bool sameFloatRows(const Tensors& in) {
  for (const at::Tensor& t : in) {
    if (!t.is_cpu() || t.scalar_type() != at::kFloat || !t.is_contiguous() || t.sizes() != in[0].sizes()) return false;
  }
  return true;
}

Tensors addReluGrad(const Tensors& in, const Attrs&) {
  const at::Tensor& y = in[0];
  if (!sameFloatRows(in)) {
    at::Tensor sum = in[1];
    for (size_t k = 2; k < in.size(); ++k) sum = at::add(sum, in[k]);
    return {at::threshold_backward(sum, y, 0)};
  }
  at::Tensor out = at::empty_like(y);
  std::vector<const float*> terms;
  for (size_t k = 1; k < in.size(); ++k) terms.push_back(in[k].data_ptr<float>());
  const float* py = y.data_ptr<float>();
  float* po = out.data_ptr<float>();
  // Chunks short enough that the partial sums stay in L1 between the terms.
  constexpr int64_t kChunk = 1024;
  at::parallel_for(0, y.numel(), at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
    for (int64_t c0 = begin; c0 < end; c0 += kChunk) {
      const int64_t c1 = std::min(end, c0 + kChunk);
      float* sum = po + c0;
      const float *first = terms[0] + c0, *second = terms[1] + c0;
#pragma omp simd
      for (int64_t i = 0; i < c1 - c0; ++i) sum[i] = first[i] + second[i];
      for (size_t k = 2; k < terms.size(); ++k) {
        const float* next = terms[k] + c0;
#pragma omp simd
        for (int64_t i = 0; i < c1 - c0; ++i) sum[i] += next[i];
      }
      const float* act = py + c0;
#pragma omp simd
      for (int64_t i = 0; i < c1 - c0; ++i) sum[i] = reluGradOf(sum[i], act[i]);
    }
  });
  return {out};
}

void addElementwiseOps(OpTable& table) {
  for (const auto& [name, f] : unaryOps()) table.add(name, unaryOp(f));
  for (const auto& [name, f] : binaryOps()) table.add(name, binaryOp(f));
  table.add({
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
  });
}

}  // namespace dresnet
