// The named ATen computations behind the torch backend's kernels.
#pragma once

#include <napi.h>

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace dresnet {

// Read-only view of the attribute object a TypeScript kernel passes to `op`.
// The kernels normalise attributes (axes, pads, sizes) before the call, so
// the C++ side reads plain numbers, number arrays, strings and booleans.
class Attrs {
 public:
  Attrs(Napi::Object obj, at::Device device) : obj_(obj), device_(device) {}

  bool has(const char* key) const;
  int64_t i(const char* key) const;
  double f(const char* key) const;
  bool b(const char* key) const;
  std::string s(const char* key) const;
  std::vector<int64_t> ints(const char* key) const;
  at::Device device() const { return device_; }

 private:
  Napi::Value get(const char* key) const;
  Napi::Object obj_;
  at::Device device_;
};

// The ATen type of tfjs float32 tensors: at::kFloat, or at::kDouble in the
// float64 reference mode (setFloatType in addon.cc). Ops that make a float
// tensor from scratch or from ints use it, so the kernels stay dtype-generic.
at::ScalarType floatType();

// Runs the op `name`; absent optional inputs are undefined tensors.
std::vector<at::Tensor> runOp(const std::string& name, const std::vector<at::Tensor>& inputs, const Attrs& attrs);

// The names runOp accepts, sorted (the addon's opNames(): a test checks the
// TypeScript side's names against them).
std::vector<std::string> opNames();

}  // namespace dresnet
