// Normalisation: batch norm in training (batch statistics) and inference
// form, and local response normalisation.
#include "common.h"

#include "../batch_norm_rows.h"
#include "../plan_fusion.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace dresnet {
namespace {

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

// ---------------------------------------------- local response normalisation

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

}  // namespace

// inputs: dy, dyImage [N, 1, 1, C], x, scale, mean, invStd -> BatchNormTrainGrad of dy + dyImage.
Tensors addBatchNormTrainGrad(const Tensors& in, const Attrs& a) {
  const at::Tensor &dy = in[0], &dyImage = in[1], &x = in[2];
  const bool rows = x.is_cpu() && dy.sizes() == x.sizes() && dy.scalar_type() == x.scalar_type() &&
                    dyImage.scalar_type() == x.scalar_type() && x.dim() == 4 && dyImage.dim() == 4 &&
                    dyImage.size(0) == x.size(0) && dyImage.size(1) == 1 && dyImage.size(2) == 1 && dyImage.size(3) == x.size(3);
  if (rows) return batchNormRowsBackward(dy, x, in[3], in[4], in[5], dyImage);
  return batchNormTrainGrad({at::add(dy, dyImage), x, in[3], in[4], in[5]}, a);
}

void addNormalizationOps(OpTable& table) {
  table.add({
      {"FusedBatchNorm", fusedBatchNorm},
      {"BatchNormTrain", batchNormTrain},
      {"BatchNormTrainGrad", batchNormTrainGrad},
      {"LRN",
       [](const Tensors& in, const Attrs& a) { return single(in[0] * at::pow(lrnNorm(in[0], a), -a.f("beta"))); }},
      {"LRNGrad", [](const Tensors& in, const Attrs& a) { return single(lrnGrad(in, a)); }},
  });
}

}  // namespace dresnet
