#include "plan.h"

#include "plan_fusion.h"

#include <algorithm>
#include <stdexcept>

namespace dresnet {

namespace {

SlotSpec specOf(const at::Tensor& t) { return {t.sizes().vec(), t.scalar_type()}; }

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// tfjs's name of a stored dtype (floats are tfjs float32 in either float type).
const char* dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat:
    case at::kDouble: return "float32";
    case at::kInt: return "int32";
    case at::kBool: return "bool";
    default: return c10::toString(t);
  }
}

bool sameTensor(const at::Tensor& a, const at::Tensor& b) {
  return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() && a.device() == b.device() && at::equal(a, b);
}

// For every step, the values it is the last to read (values nobody reads and
// no output holds are freed right after the step that made them).
void placeFrees(std::vector<PlanStep>& steps, int32_t numValues, const std::vector<SlotRef>& outputs) {
  std::vector<int32_t> lastReader(numValues, -1);
  for (size_t k = 0; k < steps.size(); ++k) {
    for (int32_t v = steps[k].firstValue; v < steps[k].firstValue + steps[k].numOutputs; ++v) lastReader[v] = static_cast<int32_t>(k);
    for (const SlotRef& r : steps[k].inputs) {
      if (r.kind == SlotRef::Kind::Value) lastReader[r.index] = static_cast<int32_t>(k);
    }
  }
  for (const SlotRef& r : outputs) {
    if (r.kind == SlotRef::Kind::Value) lastReader[r.index] = -1;
  }
  for (int32_t v = 0; v < numValues; ++v) {
    if (lastReader[v] >= 0) steps[lastReader[v]].frees.push_back(v);
  }
}

}  // namespace

Plan::Plan(std::vector<SlotSpec> inputs, std::vector<at::Tensor> constants, std::vector<PlanStep> steps, int32_t numValues,
           std::vector<SlotRef> outputs)
    : inputs_(std::move(inputs)), constants_(std::move(constants)), steps_(std::move(steps)), numValues_(numValues),
      outputs_(std::move(outputs)) {
  placeFrees(steps_, numValues_, outputs_);
}

void Plan::checkInputs(const Tensors& inputs) const {
  if (inputs.size() != inputs_.size()) {
    throw std::invalid_argument("plan: recorded with " + std::to_string(inputs_.size()) + " inputs, replayed with " +
                                std::to_string(inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].sizes() != at::IntArrayRef(inputs_[i].shape) || inputs[i].scalar_type() != inputs_[i].dtype) {
      throw std::invalid_argument("plan: input " + std::to_string(i) + " was recorded as " + shapeText(inputs_[i].shape) + " " +
                                  dtypeName(inputs_[i].dtype) + ", replayed with " + shapeText(inputs[i].sizes().vec()) + " " +
                                  dtypeName(inputs[i].scalar_type()));
    }
  }
}

Tensors Plan::replay(const Tensors& inputs, at::Device device) const {
  checkInputs(inputs);
  Tensors values(numValues_);
  auto resolve = [&](const SlotRef& r) -> at::Tensor {
    switch (r.kind) {
      case SlotRef::Kind::Input: return inputs[r.index];
      case SlotRef::Kind::Constant: return constants_[r.index];
      case SlotRef::Kind::Value: return values[r.index];
      default: return at::Tensor();
    }
  };
  Tensors args;
  for (const PlanStep& step : steps_) {
    args.clear();
    for (const SlotRef& r : step.inputs) args.push_back(resolve(r));
    Tensors out = (*step.fn)(args, Attrs(step.attrs, device));
    if (static_cast<int32_t>(out.size()) != step.numOutputs) {
      throw std::runtime_error("plan: op " + step.name + " gave " + std::to_string(out.size()) + " outputs, " +
                               std::to_string(step.numOutputs) + " when recorded");
    }
    for (int32_t j = 0; j < step.numOutputs; ++j) values[step.firstValue + j] = asStored(out[j]);
    for (int32_t v : step.frees) values[v].reset();
  }
  Tensors result;
  for (const SlotRef& r : outputs_) result.push_back(resolve(r));
  return result;
}

bool Plan::sameAs(const Plan& o) const {
  if (inputs_.size() != o.inputs_.size() || constants_.size() != o.constants_.size() || steps_.size() != o.steps_.size() ||
      numValues_ != o.numValues_ || !(outputs_ == o.outputs_)) {
    return false;
  }
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (inputs_[i].shape != o.inputs_[i].shape || inputs_[i].dtype != o.inputs_[i].dtype) return false;
  }
  for (size_t k = 0; k < steps_.size(); ++k) {
    const PlanStep &a = steps_[k], &b = o.steps_[k];
    if (a.name != b.name || !(*a.attrs == *b.attrs) || !(a.inputs == b.inputs) || a.numOutputs != b.numOutputs) return false;
  }
  for (size_t c = 0; c < constants_.size(); ++c) {
    if (!sameTensor(constants_[c], o.constants_[c])) return false;
  }
  return true;
}

Recorder::Recorder(const std::vector<uint32_t>& ids, const Tensors& tensors) {
  for (size_t i = 0; i < ids.size(); ++i) {
    inputs_.push_back(specOf(tensors[i]));
    // A handle passed twice is read from its first slot.
    slots_.emplace(ids[i], SlotRef{SlotRef::Kind::Input, static_cast<int32_t>(i)});
  }
}

SlotRef Recorder::constant(uint32_t id, const at::Tensor& t) {
  SlotRef ref{SlotRef::Kind::Constant, static_cast<int32_t>(constants_.size())};
  constants_.push_back(t);
  slots_[id] = ref;
  return ref;
}

void Recorder::created(uint32_t id, const at::Tensor& t) { constant(id, t); }

void Recorder::drawn(uint32_t id, const at::Tensor& t) {
  auto it = slots_.find(id);
  bool justCreated = it != slots_.end() && it->second.kind == SlotRef::Kind::Constant &&
                     it->second.index == static_cast<int32_t>(constants_.size()) - 1;
  if (it != slots_.end() && !justCreated) {
    refuse("a tensor drawn per call was read by the pass before it was marked as drawn");
    return;
  }
  // Made from JS values a moment ago (its upload is the last constant), and read by no op yet.
  if (justCreated) constants_.pop_back();
  slots_[id] = SlotRef{SlotRef::Kind::Input, static_cast<int32_t>(inputs_.size())};
  inputs_.push_back(specOf(t));
}

void Recorder::op(const std::string& name, std::shared_ptr<const AttrMap> attrs, const std::vector<uint32_t>& inputIds,
                  const Tensors& inputs, const std::vector<uint32_t>& outputIds) {
  PlanStep step{name, &findOp(name), std::move(attrs), {}, numValues_, static_cast<int32_t>(outputIds.size()), {}, {}};
  for (size_t i = 0; i < inputIds.size(); ++i) {
    if (inputIds[i] == 0) {
      step.inputs.push_back(SlotRef{});
      step.inputShapes.emplace_back();
      continue;
    }
    step.inputShapes.push_back(inputs[i].sizes().vec());
    auto it = slots_.find(inputIds[i]);
    // A tensor made before the pass and passed as no input: tfjs tensors are
    // immutable (variables change by getting a new tensor, and the caller
    // passes every variable as an input), so it is a constant.
    step.inputs.push_back(it != slots_.end() ? it->second : constant(inputIds[i], inputs[i]));
  }
  for (uint32_t id : outputIds) slots_[id] = SlotRef{SlotRef::Kind::Value, numValues_++};
  steps_.push_back(std::move(step));
}

void Recorder::refuse(const std::string& reason) {
  if (!refused_) refused_ = reason;
}

std::unique_ptr<Plan> Recorder::finish(const std::vector<uint32_t>& outputIds, std::string& reason) {
  if (refused_) {
    reason = *refused_;
    return nullptr;
  }
  std::vector<SlotRef> outputs;
  for (uint32_t id : outputIds) {
    auto it = slots_.find(id);
    if (it == slots_.end()) {
      reason = "output handle " + std::to_string(id) + " was not made by the recorded pass";
      return nullptr;
    }
    outputs.push_back(it->second);
  }
  fusePlanSteps(steps_, outputs);
  return std::make_unique<Plan>(std::move(inputs_), std::move(constants_), std::move(steps_), numValues_, std::move(outputs));
}

}  // namespace dresnet
