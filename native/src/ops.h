// The named ATen computations behind the torch backend's kernels.
#pragma once

#include <napi.h>

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace dresnet {

// A kernel's attributes copied out of JS, for a recorded plan (plan.h) to
// replay after the attribute object is gone. Ordered, so two recordings
// compare attribute by attribute.
using AttrValue = std::variant<bool, double, std::string, std::vector<double>>;
using AttrMap = std::map<std::string, AttrValue>;

// Read-only view of the attribute object a TypeScript kernel passes to `op`,
// or of its copy (AttrMap). The kernels normalise attributes (axes, pads,
// sizes) before the call, so the C++ side reads plain numbers, number
// arrays, strings and booleans.
class Attrs {
 public:
  Attrs(Napi::Object obj, at::Device device) : obj_(obj), device_(device) {}
  Attrs(std::shared_ptr<const AttrMap> map, at::Device device) : map_(std::move(map)), device_(device) {}

  // The copy of `obj`; throws std::invalid_argument naming a key whose value
  // is none of AttrValue's kinds (such an op cannot be recorded).
  static std::shared_ptr<const AttrMap> copy(Napi::Object obj);

  bool has(const char* key) const;
  int64_t i(const char* key) const;
  double f(const char* key) const;
  bool b(const char* key) const;
  std::string s(const char* key) const;
  std::vector<int64_t> ints(const char* key) const;
  at::Device device() const { return device_; }

 private:
  Napi::Value get(const char* key) const;
  const AttrValue& copied(const char* key) const;
  Napi::Object obj_;
  std::shared_ptr<const AttrMap> map_;
  at::Device device_;
};

using Tensors = std::vector<at::Tensor>;
using OpFn = std::function<Tensors(const Tensors&, const Attrs&)>;

// The ATen type of tfjs float32 tensors: at::kFloat, or at::kDouble in the
// float64 reference mode (setFloatType in addon.cc). Ops that make a float
// tensor from scratch or from ints use it, so the kernels stay dtype-generic.
at::ScalarType floatType();

// The op `name` of the table; throws std::invalid_argument for an unknown name.
const OpFn& findOp(const std::string& name);

// Runs the op `name`; absent optional inputs are undefined tensors.
std::vector<at::Tensor> runOp(const std::string& name, const std::vector<at::Tensor>& inputs, const Attrs& attrs);

// A result as the handle table stores it: one of tfjs's dtypes (floats in
// floatType()), contiguous (addon.cc). Replayed plans store every
// intermediate so, as the eager calls did.
at::Tensor asStored(const at::Tensor& t);

// The names runOp accepts, sorted (the addon's opNames(): a test checks the
// TypeScript side's names against them).
std::vector<std::string> opNames();

}  // namespace dresnet
