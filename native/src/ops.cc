// The op table: each entry maps a name used by a TypeScript kernel to an ATen
// computation. The entries live by area in ops/: elementwise.cc (the unary
// and binary tables, activations and their gradients), convolution.cc (2-D,
// depthwise and 3-D convolutions, matrix products), pooling.cc (pooling,
// grayscale dilation), reduction.cc (reductions, scans, top-k, softmax),
// normalization.cc (batch norm, LRN), layout.cc (views, slices, joins,
// gathers and scatters, fills) and optimizer.cc (the fused momentum update).
// To add a kernel, add an entry to its area's add*Ops, its name to
// src/backend/torch/native_ops.ts, and a kernel (a table row or a file) under
// src/backend/torch/.
#include "ops.h"

#include "ops/common.h"

#include <algorithm>

namespace dresnet {

// ---------------------------------------------------------------- attrs

Napi::Value Attrs::get(const char* key) const {
  Napi::Value v = obj_.Get(key);
  if (v.IsUndefined() || v.IsNull()) throw std::invalid_argument(std::string("torch op: missing attribute '") + key + "'");
  return v;
}
bool Attrs::has(const char* key) const {
  Napi::Value v = obj_.Get(key);
  return !(v.IsUndefined() || v.IsNull());
}
int64_t Attrs::i(const char* key) const { return get(key).As<Napi::Number>().Int64Value(); }
double Attrs::f(const char* key) const { return get(key).As<Napi::Number>().DoubleValue(); }
bool Attrs::b(const char* key) const { return get(key).ToBoolean().Value(); }
std::string Attrs::s(const char* key) const { return get(key).As<Napi::String>().Utf8Value(); }
std::vector<int64_t> Attrs::ints(const char* key) const {
  auto arr = get(key).As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) out[k] = arr.Get(k).As<Napi::Number>().Int64Value();
  return out;
}

namespace {

const OpTable& opTable() {
  static const OpTable table = [] {
    OpTable t;
    addElementwiseOps(t);
    addConvolutionOps(t);
    addPoolingOps(t);
    addReductionOps(t);
    addNormalizationOps(t);
    addLayoutOps(t);
    addOptimizerOps(t);
    return t;
  }();
  return table;
}

}  // namespace

Tensors runOp(const std::string& name, const Tensors& inputs, const Attrs& attrs) {
  const auto& ops = opTable().ops();
  auto op = ops.find(name);
  if (op == ops.end()) throw std::invalid_argument("torch backend: no native op named '" + name + "'");
  return op->second(inputs, attrs);
}

std::vector<std::string> opNames() {
  std::vector<std::string> names;
  for (const auto& entry : opTable().ops()) names.push_back(entry.first);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace dresnet
