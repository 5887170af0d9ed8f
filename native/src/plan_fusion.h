// Fusion of a recorded plan's steps (plan.h): chains of ops whose
// intermediates nobody else reads become one step, which computes the same
// bits without writing and re-reading those intermediates. Found once, when
// a recording finishes; a replay runs the fused steps like any other.
//
//  - Multiply(r, s) -> Add(x, .) -> Relu: a residual block's end (DResNet's
//    SE weighting, the shortcut's sum and the output ReLU) in one pass;
//  - Tile(v) -> Add(a, .): the tile read in place, as a broadcast;
//  - Add(...Add(t0, t1)..., tn) -> ReluGrad(., y): a gradient summed over a
//    tensor's readers (a residual block's input feeds its branches and the
//    shortcut) and passed back through the ReLU that made it, in one pass;
//  - Add(dy, v) -> BatchNormTrainGrad(., x, ...), v one value per image and
//    channel (the gradient of an SE block's mean): v added as dy is read;
//  - MaxPoolGrad -> ReluGrad: a stem's pool gradient masked by the ReLU
//    before it, image by image;
//  - Relu(a1), ..., Relu(am) -> Concat along channels: each ReLU written
//    into its channels of the concatenation, the ReLUs' outputs (read again
//    by their gradients) views of it.
//
// Each fused op keeps the unfused ops' operand order and rounding (products
// and sums rounded one by one, no contraction into FMAs), so a plan gives the
// bits of the eager pass. DRESNET_PLAN_FUSION=0 records plans unfused (to
// compare the two).
#pragma once

#include "plan.h"

#include <vector>

namespace dresnet {

// Rewrites `steps` in place (the plan's outputs are never fused away).
void fusePlanSteps(std::vector<PlanStep>& steps, const std::vector<SlotRef>& outputs);

// The fused op's computation, defined beside the ops it fuses (ops/elementwise.cc).
// inputs: r, s, x -> relu(x + r * s).
Tensors scaleAddRelu(const Tensors& in, const Attrs& a);
// inputs: y, t0, ..., tn -> threshold_backward(((t0 + t1) + ...) + tn, y, 0).
Tensors addReluGrad(const Tensors& in, const Attrs& a);
// inputs: dy, v [N, 1, 1, C], x, scale, mean, invStd -> BatchNormTrainGrad(dy + v, x, scale, mean, invStd)
// (ops/normalization.cc).
Tensors addBatchNormTrainGrad(const Tensors& in, const Attrs& a);
// inputs: dy, x, y, z; MaxPoolGrad's attrs -> ReluGrad(MaxPoolGrad(dy, x, y), z) (ops/pooling.cc).
Tensors maxPoolReluGrad(const Tensors& in, const Attrs& a);
// inputs: a1, ..., am [N, H, W, ci] -> concat(relu(a1), ..., relu(am)) along channels (ops/layout.cc).
Tensors reluConcat(const Tensors& in, const Attrs& a);
// input: t [..., C]; attrs begin, size -> the view t[..., begin : begin + size] (ops/layout.cc).
Tensors channelSlice(const Tensors& in, const Attrs& a);

}  // namespace dresnet
