#include "plan_fusion.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace dresnet {
namespace {

// Who reads each value: how many input slots, and whether the plan outputs it.
struct Uses {
  std::vector<int32_t> readers, producer;
  std::vector<bool> output;
};

Uses usesOf(const std::vector<PlanStep>& steps, const std::vector<SlotRef>& outputs) {
  int32_t numValues = 0;
  for (const PlanStep& s : steps) numValues = std::max(numValues, s.firstValue + s.numOutputs);
  Uses u{std::vector<int32_t>(numValues, 0), std::vector<int32_t>(numValues, -1), std::vector<bool>(numValues, false)};
  for (size_t k = 0; k < steps.size(); ++k) {
    for (int32_t v = steps[k].firstValue; v < steps[k].firstValue + steps[k].numOutputs; ++v) u.producer[v] = static_cast<int32_t>(k);
    for (const SlotRef& r : steps[k].inputs) {
      if (r.kind == SlotRef::Kind::Value) ++u.readers[r.index];
    }
  }
  for (const SlotRef& r : outputs) {
    if (r.kind == SlotRef::Kind::Value) u.output[r.index] = true;
  }
  return u;
}

// The step that made `r`, when it is named `name`, has one output, and `r`
// is read once (by the step being fused) and is no output of the plan; else -1.
int32_t soleProducer(const std::vector<PlanStep>& steps, const Uses& u, const SlotRef& r, std::string_view name) {
  if (r.kind != SlotRef::Kind::Value || u.readers[r.index] != 1 || u.output[r.index]) return -1;
  const int32_t k = u.producer[r.index];
  return k >= 0 && steps[k].name == name && steps[k].numOutputs == 1 ? k : -1;
}

bool isBinary(const PlanStep& s, std::string_view name) { return s.name == name && s.inputs.size() == 2 && s.numOutputs == 1; }

bool sameShapes(const PlanStep& s) { return s.inputShapes.size() == 2 && s.inputShapes[0] == s.inputShapes[1]; }

// Whether v broadcasts to `to` along every axis (the same size, or 1).
bool broadcastsTo(const std::vector<int64_t>& v, const std::vector<int64_t>& to) {
  if (v.size() != to.size()) return false;
  for (size_t d = 0; d < v.size(); ++d) {
    if (v[d] != to[d] && v[d] != 1) return false;
  }
  return true;
}

// s [N or 1, 1, 1, C] beside r [N, H, W, C].
bool channelScale(const std::vector<int64_t>& r, const std::vector<int64_t>& s) {
  return r.size() == 4 && s.size() == 4 && (s[0] == r[0] || s[0] == 1) && s[1] == 1 && s[2] == 1 && s[3] == r[3];
}

const std::shared_ptr<const AttrMap>& noAttrs() {
  static const auto none = std::make_shared<const AttrMap>();
  return none;
}

void dropRemoved(std::vector<PlanStep>& steps) {
  steps.erase(std::remove_if(steps.begin(), steps.end(), [](const PlanStep& s) { return s.name.empty(); }), steps.end());
}

// Add(a, Tile(v)) -> Add(a, v), where the tile has a's shape and v broadcasts to it.
void fuseTileAdd(std::vector<PlanStep>& steps, const std::vector<SlotRef>& outputs) {
  const Uses u = usesOf(steps, outputs);
  for (PlanStep& add : steps) {
    if (!isBinary(add, "Add") || !sameShapes(add)) continue;
    const int32_t t = soleProducer(steps, u, add.inputs[1], "Tile");
    if (t < 0 || !broadcastsTo(steps[t].inputShapes[0], add.inputShapes[1])) continue;
    add.inputs[1] = steps[t].inputs[0];
    add.inputShapes[1] = steps[t].inputShapes[0];
    steps[t].name.clear();
  }
  dropRemoved(steps);
}

// Relu(Add(x, Multiply(r, s))) with r, x [N, H, W, C] and s a channel scale -> one step.
void fuseScaleAddRelu(std::vector<PlanStep>& steps, const std::vector<SlotRef>& outputs) {
  static const OpFn fused = scaleAddRelu;
  const Uses u = usesOf(steps, outputs);
  for (PlanStep& relu : steps) {
    if (relu.name != "Relu" || relu.inputs.size() != 1) continue;
    const int32_t a = soleProducer(steps, u, relu.inputs[0], "Add");
    if (a < 0 || !isBinary(steps[a], "Add") || !sameShapes(steps[a])) continue;
    const int32_t m = soleProducer(steps, u, steps[a].inputs[1], "Multiply");
    if (m < 0 || !isBinary(steps[m], "Multiply")) continue;
    const auto &r = steps[m].inputShapes[0], &s = steps[m].inputShapes[1];
    if (r != steps[a].inputShapes[0] || !channelScale(r, s)) continue;
    relu.name = "Multiply+Add+Relu";
    relu.fn = &fused;
    relu.attrs = noAttrs();
    relu.inputs = {steps[m].inputs[0], steps[m].inputs[1], steps[a].inputs[0]};
    relu.inputShapes = {r, s, steps[a].inputShapes[0]};
    steps[a].name.clear();
    steps[m].name.clear();
  }
  dropRemoved(steps);
}

// ReluGrad(Add(...Add(t0, t1)..., tn), y), every Add of y's shape and read once -> one step.
void fuseAddReluGrad(std::vector<PlanStep>& steps, const std::vector<SlotRef>& outputs) {
  static const OpFn fused = addReluGrad;
  const Uses u = usesOf(steps, outputs);
  for (PlanStep& grad : steps) {
    if (grad.name != "ReluGrad" || grad.inputs.size() != 2 || !sameShapes(grad)) continue;
    const std::vector<int64_t>& shape = grad.inputShapes[0];
    std::vector<int32_t> adds;
    std::vector<SlotRef> terms;  // tn, ..., t1, then t0
    SlotRef sum = grad.inputs[0];
    while (true) {
      const int32_t a = soleProducer(steps, u, sum, "Add");
      if (a < 0 || !isBinary(steps[a], "Add") || !sameShapes(steps[a]) || steps[a].inputShapes[0] != shape) break;
      adds.push_back(a);
      terms.push_back(steps[a].inputs[1]);
      sum = steps[a].inputs[0];
    }
    if (adds.empty()) continue;
    terms.push_back(sum);
    grad.name = "Add+ReluGrad";
    grad.fn = &fused;
    grad.attrs = noAttrs();
    grad.inputs = {grad.inputs[1]};
    grad.inputs.insert(grad.inputs.end(), terms.rbegin(), terms.rend());
    grad.inputShapes.assign(grad.inputs.size(), shape);
    for (int32_t a : adds) steps[a].name.clear();
  }
  dropRemoved(steps);
}

// BatchNormTrainGrad(Add(dy, v), ...) with v [N, 1, 1, C] one value per image and channel (a mean's
// gradient: an SE block's squeeze) -> one step that adds v as it reads dy.
void fuseAddBatchNormGrad(std::vector<PlanStep>& steps, const std::vector<SlotRef>& outputs) {
  static const OpFn fused = addBatchNormTrainGrad;
  const Uses u = usesOf(steps, outputs);
  for (PlanStep& grad : steps) {
    if (grad.name != "BatchNormTrainGrad" || grad.inputs.size() != 5 || grad.inputShapes.size() != 5) continue;
    const int32_t a = soleProducer(steps, u, grad.inputs[0], "Add");
    if (a < 0 || !isBinary(steps[a], "Add")) continue;
    const auto &dy = steps[a].inputShapes[0], &v = steps[a].inputShapes[1];
    if (dy != grad.inputShapes[1] || !channelScale(dy, v) || v[0] != dy[0]) continue;
    grad.name = "Add+BatchNormTrainGrad";
    grad.fn = &fused;
    grad.inputs.insert(grad.inputs.begin() + 1, steps[a].inputs[1]);
    grad.inputs[0] = steps[a].inputs[0];
    grad.inputShapes.insert(grad.inputShapes.begin() + 1, v);
    grad.inputShapes[0] = dy;
    steps[a].name.clear();
  }
  dropRemoved(steps);
}

// ReluGrad(MaxPoolGrad(dy, x, y), z) -> one step (a stem's pool after its ReLU): the mask
// goes over each image's gradient while it is in the cache.
void fuseMaxPoolReluGrad(std::vector<PlanStep>& steps, const std::vector<SlotRef>& outputs) {
  static const OpFn fused = maxPoolReluGrad;
  const Uses u = usesOf(steps, outputs);
  for (PlanStep& grad : steps) {
    if (grad.name != "ReluGrad" || grad.inputs.size() != 2 || !sameShapes(grad)) continue;
    const int32_t p = soleProducer(steps, u, grad.inputs[0], "MaxPoolGrad");
    if (p < 0 || steps[p].inputs.size() != 3) continue;
    grad.name = "MaxPoolGrad+ReluGrad";
    grad.fn = &fused;
    grad.attrs = steps[p].attrs;
    grad.inputs = {steps[p].inputs[0], steps[p].inputs[1], steps[p].inputs[2], grad.inputs[1]};
    grad.inputShapes = {steps[p].inputShapes[0], steps[p].inputShapes[1], steps[p].inputShapes[2], grad.inputShapes[1]};
    steps[p].name.clear();
  }
  dropRemoved(steps);
}

// Whether every step reading value v other than `except` comes after step `after`.
bool readOnlyAfter(const std::vector<PlanStep>& steps, int32_t v, size_t except, size_t after) {
  for (size_t k = 0; k <= after; ++k) {
    if (k == except) continue;
    for (const SlotRef& r : steps[k].inputs) {
      if (r.kind == SlotRef::Kind::Value && r.index == v) return false;
    }
  }
  return true;
}

// Concat(Relu(a1), ..., Relu(am)) along channels -> one step writing each
// ReLU into its channels of the concatenation (DResNet's two paths): a ReLU's
// output that is read again (by its gradient) becomes a view of it.
void fuseReluConcat(std::vector<PlanStep>& steps, const std::vector<SlotRef>& outputs) {
  static const OpFn fused = reluConcat, view = channelSlice;
  const Uses u = usesOf(steps, outputs);
  std::vector<std::vector<PlanStep>> after(steps.size());
  for (size_t c = 0; c < steps.size(); ++c) {
    PlanStep& cat = steps[c];
    if (cat.name != "Concat" || cat.numOutputs != 1 || cat.inputs.size() < 2 || cat.inputShapes.size() != cat.inputs.size()) continue;
    const int64_t rank = static_cast<int64_t>(cat.inputShapes[0].size()), axis = Attrs(cat.attrs, at::kCPU).i("axis");
    if (rank != 4 || (axis != 3 && axis != -1)) continue;
    std::vector<int32_t> relus;
    for (const SlotRef& r : cat.inputs) {
      const int32_t k = r.kind == SlotRef::Kind::Value && !u.output[r.index] ? u.producer[r.index] : -1;
      if (k < 0 || steps[k].name != "Relu" || steps[k].inputs.size() != 1 || !readOnlyAfter(steps, r.index, c, c)) break;
      relus.push_back(k);
    }
    if (relus.size() != cat.inputs.size()) continue;
    int64_t begin = 0;
    for (size_t i = 0; i < relus.size(); ++i) {
      const PlanStep& relu = steps[relus[i]];
      const int64_t size = cat.inputShapes[i][3];
      if (u.readers[relu.firstValue] > 1) {
        auto attrs = std::make_shared<AttrMap>();
        (*attrs)["begin"] = static_cast<double>(begin);
        (*attrs)["size"] = static_cast<double>(size);
        after[c].push_back(PlanStep{"ChannelSlice", &view, attrs, {SlotRef{SlotRef::Kind::Value, cat.firstValue}}, relu.firstValue, 1,
                                    {}, {{cat.inputShapes[0][0], cat.inputShapes[0][1], cat.inputShapes[0][2], 0}}});
      }
      cat.inputs[i] = relu.inputs[0];
      cat.inputShapes[i] = relu.inputShapes[0];
      begin += size;
    }
    for (PlanStep& v : after[c]) v.inputShapes[0][3] = begin;
    cat.name = "Relu+Concat";
    cat.fn = &fused;
    for (int32_t k : relus) steps[k].name.clear();
  }
  std::vector<PlanStep> rewritten;
  for (size_t k = 0; k < steps.size(); ++k) {
    if (!steps[k].name.empty()) rewritten.push_back(std::move(steps[k]));
    for (PlanStep& v : after[k]) rewritten.push_back(std::move(v));
  }
  steps = std::move(rewritten);
}

bool fusionOff() {
  const char* v = std::getenv("DRESNET_PLAN_FUSION");
  return v != nullptr && std::string_view(v) == "0";
}

}  // namespace

void fusePlanSteps(std::vector<PlanStep>& steps, const std::vector<SlotRef>& outputs) {
  if (fusionOff()) return;
  fuseTileAdd(steps, outputs);
  fuseScaleAddRelu(steps, outputs);
  fuseAddReluGrad(steps, outputs);
  fuseAddBatchNormGrad(steps, outputs);
  fuseMaxPoolReluGrad(steps, outputs);
  fuseReluConcat(steps, outputs);
}

}  // namespace dresnet
