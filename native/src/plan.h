// Recorded plans: the native ops of one pass (an inference pass, a training
// step) recorded once while it runs eagerly, then replayed in one call with
// no JS, no tfjs engine and no N-API call per op.
//
// A plan's tensors are slots: inputs (bound per replay to the handles the
// caller passes: the batch, and every variable, so a replay reads their
// current values), constants (tensors the pass used that are no input: made
// in JS during the pass, or immutable tfjs tensors made before it) and
// values (the ops' outputs, freed after their last use). Tensors the pass
// draws in JS per call (dropout masks) are inputs too, drawn again by the
// caller before each replay. A pass the recorder
// cannot replay (one that reads a tensor back to the host while it runs, or
// whose attributes cannot be copied) yields no plan and says why.
#pragma once

#include "ops.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace dresnet {

// Where an op's input comes from.
struct SlotRef {
  enum class Kind : uint8_t { Absent, Input, Constant, Value };
  Kind kind = Kind::Absent;
  int32_t index = 0;
  bool operator==(const SlotRef& o) const { return kind == o.kind && index == o.index; }
};

struct PlanStep {
  std::string name;
  const OpFn* fn;
  std::shared_ptr<const AttrMap> attrs;
  std::vector<SlotRef> inputs;
  // The step's outputs are values firstValue .. firstValue + numOutputs - 1.
  int32_t firstValue;
  int32_t numOutputs;
  // Values whose last reader is this step (or nobody), freed after it.
  std::vector<int32_t> frees;
  // The inputs' shapes when recorded (empty for an absent one), for the
  // fusion pass (plan_fusion.h) to check a pattern's shapes once.
  std::vector<std::vector<int64_t>> inputShapes;
};

struct SlotSpec {
  std::vector<int64_t> shape;
  at::ScalarType dtype;
};

class Plan {
 public:
  Plan(std::vector<SlotSpec> inputs, std::vector<at::Tensor> constants, std::vector<PlanStep> steps, int32_t numValues,
       std::vector<SlotRef> outputs);

  // Runs the steps on `inputs` (one per recorded input, of its shape and
  // dtype); returns the outputs. Throws naming the input that does not match.
  Tensors replay(const Tensors& inputs, at::Device device) const;
  // Throws naming the first input whose shape or dtype is not the recorded one.
  void checkInputs(const Tensors& inputs) const;

  // Same steps, attributes, slots and constant values: two recordings of the
  // same pass agree, which a pass drawing JS values per call (a random mask,
  // a changed scalar) does not.
  bool sameAs(const Plan& other) const;

  size_t numSteps() const { return steps_.size(); }
  size_t numConstants() const { return constants_.size(); }
  size_t numInputs() const { return inputs_.size(); }
  size_t numOutputs() const { return outputs_.size(); }
  const std::vector<SlotSpec>& inputSpecs() const { return inputs_; }

 private:
  std::vector<SlotSpec> inputs_;
  std::vector<at::Tensor> constants_;
  std::vector<PlanStep> steps_;
  int32_t numValues_;
  std::vector<SlotRef> outputs_;
};

// Collects a pass's ops while they run eagerly; the addon feeds it from
// create/op/read while recording.
class Recorder {
 public:
  // The pass's inputs: handle ids and their tensors, in slot order.
  Recorder(const std::vector<uint32_t>& ids, const Tensors& tensors);

  // An op ran: its name, copied attributes, input handles (0: absent) with
  // their tensors, and the handles its outputs were stored under.
  void op(const std::string& name, std::shared_ptr<const AttrMap> attrs, const std::vector<uint32_t>& inputIds,
          const Tensors& inputs, const std::vector<uint32_t>& outputIds);
  // A tensor was made from JS values during the pass: a constant of the plan.
  void created(uint32_t id, const at::Tensor& t);
  // A tensor the pass draws from JS values on every call (a dropout mask):
  // an input of the plan, after those given to the constructor, in the order
  // drawn; the caller draws it anew for each replay. It must not have been
  // read by a recorded op yet.
  void drawn(uint32_t id, const at::Tensor& t);
  // The pass cannot become a plan; the first reason is kept.
  void refuse(const std::string& reason);

  // The plan whose outputs are these handles, or the reason there is none.
  std::unique_ptr<Plan> finish(const std::vector<uint32_t>& outputIds, std::string& reason);

 private:
  SlotRef constant(uint32_t id, const at::Tensor& t);

  std::vector<SlotSpec> inputs_;
  std::vector<at::Tensor> constants_;
  std::vector<PlanStep> steps_;
  int32_t numValues_ = 0;
  std::unordered_map<uint32_t, SlotRef> slots_;
  std::optional<std::string> refused_;
};

}  // namespace dresnet
