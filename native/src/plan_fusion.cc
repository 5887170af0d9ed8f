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

bool fusionOff() {
  const char* v = std::getenv("DRESNET_PLAN_FUSION");
  return v != nullptr && std::string_view(v) == "0";
}

}  // namespace

void fusePlanSteps(std::vector<PlanStep>& steps, const std::vector<SlotRef>& outputs) {
  if (fusionOff()) return;
  fuseTileAdd(steps, outputs);
  fuseScaleAddRelu(steps, outputs);
}

}  // namespace dresnet
