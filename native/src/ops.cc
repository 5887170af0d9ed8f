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

namespace {

AttrValue copyValue(const std::string& key, const Napi::Value& v) {
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
  if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue();
  if (v.IsString()) return v.As<Napi::String>().Utf8Value();
  if (v.IsArray()) {
    auto arr = v.As<Napi::Array>();
    std::vector<double> out(arr.Length());
    for (uint32_t k = 0; k < arr.Length(); ++k) {
      Napi::Value e = arr.Get(k);
      if (!e.IsNumber()) throw std::invalid_argument("attribute '" + key + "' is an array of other things than numbers");
      out[k] = e.As<Napi::Number>().DoubleValue();
    }
    return out;
  }
  throw std::invalid_argument("attribute '" + key + "' is neither a number, a boolean, a string nor a number array");
}

// JS's ToBoolean, which the eager path applies to the attribute's JS value.
struct Truthy {
  bool operator()(bool v) const { return v; }
  bool operator()(double v) const { return v != 0 && v == v; }
  bool operator()(const std::string& v) const { return !v.empty(); }
  bool operator()(const std::vector<double>&) const { return true; }
};

template <typename T>
const T& as(const AttrValue& v, const char* key) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw std::invalid_argument(std::string("torch op: attribute '") + key + "' has another type");
}

}  // namespace

std::shared_ptr<const AttrMap> Attrs::copy(Napi::Object obj) {
  auto map = std::make_shared<AttrMap>();
  Napi::Array keys = obj.GetPropertyNames();
  for (uint32_t k = 0; k < keys.Length(); ++k) {
    std::string key = keys.Get(k).As<Napi::String>().Utf8Value();
    Napi::Value v = obj.Get(key);
    // Absent, as has() sees it.
    if (v.IsUndefined() || v.IsNull()) continue;
    map->emplace(key, copyValue(key, v));
  }
  return map;
}

Napi::Value Attrs::get(const char* key) const {
  Napi::Value v = obj_.Get(key);
  if (v.IsUndefined() || v.IsNull()) throw std::invalid_argument(std::string("torch op: missing attribute '") + key + "'");
  return v;
}
const AttrValue& Attrs::copied(const char* key) const {
  auto it = map_->find(key);
  if (it == map_->end()) throw std::invalid_argument(std::string("torch op: missing attribute '") + key + "'");
  return it->second;
}
bool Attrs::has(const char* key) const {
  if (map_) return map_->count(key) > 0;
  Napi::Value v = obj_.Get(key);
  return !(v.IsUndefined() || v.IsNull());
}
// Number -> int64 truncates toward zero, as Napi's Int64Value does.
int64_t Attrs::i(const char* key) const {
  if (map_) return static_cast<int64_t>(as<double>(copied(key), key));
  return get(key).As<Napi::Number>().Int64Value();
}
double Attrs::f(const char* key) const {
  if (map_) return as<double>(copied(key), key);
  return get(key).As<Napi::Number>().DoubleValue();
}
bool Attrs::b(const char* key) const {
  if (map_) return std::visit(Truthy{}, copied(key));
  return get(key).ToBoolean().Value();
}
std::string Attrs::s(const char* key) const {
  if (map_) return as<std::string>(copied(key), key);
  return get(key).As<Napi::String>().Utf8Value();
}
std::vector<int64_t> Attrs::ints(const char* key) const {
  if (map_) {
    const auto& values = as<std::vector<double>>(copied(key), key);
    std::vector<int64_t> out(values.size());
    for (size_t k = 0; k < values.size(); ++k) out[k] = static_cast<int64_t>(values[k]);
    return out;
  }
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

const OpFn& findOp(const std::string& name) {
  const auto& ops = opTable().ops();
  auto op = ops.find(name);
  if (op == ops.end()) throw std::invalid_argument("torch backend: no native op named '" + name + "'");
  return op->second;
}

Tensors runOp(const std::string& name, const Tensors& inputs, const Attrs& attrs) { return findOp(name)(inputs, attrs); }

std::vector<std::string> opNames() {
  std::vector<std::string> names;
  for (const auto& entry : opTable().ops()) names.push_back(entry.first);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace dresnet
