// The dresnet torch addon: a handle table of ATen tensors and one `op` entry
// point that runs a named ATen computation on handles. Every tensor in the
// table holds a tfjs tensor's logical shape, contiguous, so 4-D NHWC tensors
// become channels-last NCHW tensors through a free permute (see nchw()); the
// one exception is a conv filter, which its first convolution re-lays out as
// ATen's [out, in, kh, kw] (torchWeight in ops/convolution.cc).
//
// The op table (ops.cc, the ops by area in ops/) is where kernels are added;
// this file only deals with N-API, the handle table and dtype conversion.
#include <napi.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <omp.h>
#include <torch/version.h>

#include <map>
#include <unordered_map>
#include <unordered_set>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "ops.h"
#include "graph.h"
#include "plan.h"

namespace dresnet {

// The ATen type of tfjs float32 tensors (ops.h): kFloat, or kDouble in the
// float64 reference mode (setFloatType), where every float32 tensor is stored
// and computed in double and only reads narrow back to float32.
namespace {
at::ScalarType g_float_type = at::kFloat;
}  // namespace
at::ScalarType floatType() { return g_float_type; }

namespace {

std::unordered_map<uint32_t, at::Tensor> g_tensors;
uint32_t g_next_id = 1;
at::Device g_device = at::kCPU;

// tfjs knows float32, int32 and bool; anything ATen widens (int64 indices,
// float64 scalars) is narrowed back so every handle is one of the three, its
// floats in floatType().
at::Tensor toTfjsDtype(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kInt:
    case at::kBool:
      return t;
    case at::kFloat:
    case at::kDouble:
    case at::kHalf:
    case at::kBFloat16:
      return t.scalar_type() == floatType() ? t : t.to(floatType());
    default:
      return t.to(at::kInt);
  }
}

int dtypeCode(at::ScalarType s) {
  switch (s) {
    case at::kFloat:
    case at::kDouble: return 0;
    case at::kInt: return 1;
    case at::kBool: return 2;
    default: throw std::runtime_error("internal: unexpected dtype in the handle table");
  }
}

at::ScalarType scalarTypeOf(const std::string& dtype) {
  if (dtype == "float32") return at::kFloat;
  if (dtype == "int32") return at::kInt;
  if (dtype == "bool") return at::kBool;
  throw std::invalid_argument("torch backend: unsupported dtype '" + dtype + "' (float32, int32 and bool only)");
}

const at::Tensor& lookup(uint32_t id) {
  auto it = g_tensors.find(id);
  if (it == g_tensors.end()) throw std::runtime_error("torch backend: unknown tensor handle " + std::to_string(id));
  return it->second;
}

uint32_t store(at::Tensor t) {
  uint32_t id = g_next_id++;
  g_tensors.emplace(id, asStored(t));
  return id;
}

// The recording in progress (recordBegin .. recordEnd), and the finished plans.
std::unique_ptr<Recorder> g_recorder;
std::unordered_map<uint32_t, std::unique_ptr<Plan>> g_plans;
// The plans replayed through their own buffers (and on CUDA, a captured graph), by plan id.
std::unordered_map<uint32_t, std::unique_ptr<GraphReplay>> g_graphs;
uint32_t g_next_plan = 1;

std::vector<uint32_t> toIds(const Napi::Array& arr) {
  std::vector<uint32_t> ids(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) ids[i] = arr.Get(i).As<Napi::Number>().Uint32Value();
  return ids;
}

const Plan& planOf(uint32_t id) {
  auto it = g_plans.find(id);
  if (it == g_plans.end()) throw std::runtime_error("torch backend: unknown plan " + std::to_string(id));
  return *it->second;
}

std::vector<int64_t> toShape(const Napi::Array& arr) {
  std::vector<int64_t> shape(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) shape[i] = arr.Get(i).As<Napi::Number>().Int64Value();
  return shape;
}

Napi::Object describe(Napi::Env env, uint32_t id) {
  const at::Tensor& t = g_tensors.at(id);
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", id);
  o.Set("dtype", dtypeCode(t.scalar_type()));
  Napi::Array shape = Napi::Array::New(env, t.dim());
  for (int64_t i = 0; i < t.dim(); ++i) shape.Set(static_cast<uint32_t>(i), static_cast<double>(t.size(i)));
  o.Set("shape", shape);
  return o;
}

at::Tensor toHost(const at::Tensor& borrowed, at::ScalarType type) {
  return borrowed.scalar_type() == type ? borrowed.clone() : borrowed.to(type);
}

// A copy from pageable memory waits for all GPU work queued before it, and
// tfjs creates hundreds of small tensors (scalars of the gradients, the
// optimiser and the layers) per training step: each drained the queue, so
// host and GPU took turns. From pinned memory the copy is asynchronous, and
// ATen's pinned-memory allocator keeps the block until the copy has run.
at::Tensor toDevice(const at::Tensor& borrowed, at::ScalarType type) {
  return borrowed.pin_memory().to(g_device, type, /*non_blocking=*/true);
}

// create(values: TypedArray, shape: number[], dtype: string) -> id
Napi::Value Create(const Napi::CallbackInfo& info) {
  auto values = info[0].As<Napi::TypedArray>();
  auto shape = toShape(info[1].As<Napi::Array>());
  // The JS buffer's element type; float32 values are then widened to floatType().
  at::ScalarType type = scalarTypeOf(info[2].As<Napi::String>().Utf8Value());
  auto buffer = values.ArrayBuffer();
  void* data = static_cast<uint8_t*>(buffer.Data()) + values.ByteOffset();
  size_t expected = static_cast<size_t>(c10::multiply_integers(shape)) * at::elementSize(type);
  if (values.ByteLength() != expected) {
    throw std::invalid_argument("torch backend: value buffer has " + std::to_string(values.ByteLength()) +
                                " bytes, shape and dtype need " + std::to_string(expected));
  }
  // from_blob borrows the JS buffer; clone()/to() copies it into ATen-owned memory.
  at::Tensor borrowed = at::from_blob(data, shape, at::TensorOptions().dtype(type));
  at::ScalarType target = type == at::kFloat ? floatType() : type;
  uint32_t id = store(g_device.is_cpu() ? toHost(borrowed, target) : toDevice(borrowed, target));
  if (g_recorder) g_recorder->created(id, g_tensors.at(id));
  return Napi::Number::New(info.Env(), id);
}

// read(id) -> Float32Array | Int32Array | Uint8Array (a copy)
Napi::Value Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (g_recorder) g_recorder->refuse("the pass reads a tensor back to the host while it runs (a kernel computed in JS, or a value the pass branches on)");
  at::Tensor t = lookup(info[0].As<Napi::Number>().Uint32Value()).to(at::kCPU).contiguous();
  if (t.scalar_type() == at::kDouble) t = t.to(at::kFloat);
  size_t n = static_cast<size_t>(t.numel());
  size_t bytes = n * t.element_size();
  auto buffer = Napi::ArrayBuffer::New(env, bytes);
  if (bytes > 0) std::memcpy(buffer.Data(), t.data_ptr(), bytes);
  switch (t.scalar_type()) {
    case at::kFloat: return Napi::Float32Array::New(env, n, buffer, 0);
    case at::kInt: return Napi::Int32Array::New(env, n, buffer, 0);
    default: return Napi::Uint8Array::New(env, n, buffer, 0);
  }
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  g_tensors.erase(info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

Napi::Array describeAll(Napi::Env env, const std::vector<uint32_t>& ids) {
  Napi::Array result = Napi::Array::New(env, ids.size());
  for (size_t i = 0; i < ids.size(); ++i) result.Set(static_cast<uint32_t>(i), describe(env, ids[i]));
  return result;
}

std::vector<uint32_t> storeAll(const Tensors& outputs) {
  std::vector<uint32_t> ids;
  for (const at::Tensor& t : outputs) ids.push_back(store(t));
  return ids;
}

// The attributes of an op while recording: copied, so the plan keeps them;
// an object that cannot be copied refuses the recording (the op still runs).
std::shared_ptr<const AttrMap> recordedAttrs(const Napi::Object& obj) {
  try {
    return Attrs::copy(obj);
  } catch (const std::invalid_argument& e) {
    g_recorder->refuse(std::string("an op's ") + e.what());
    return nullptr;
  }
}

// op(name, inputIds (0 = absent optional input), attrs) -> [{id, dtype, shape}]
Napi::Value Op(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::vector<uint32_t> ids = toIds(info[1].As<Napi::Array>());
  Tensors inputs(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != 0) inputs[i] = lookup(ids[i]);
  }
  Napi::Object obj = info[2].As<Napi::Object>();
  if (!g_recorder) return describeAll(env, storeAll(runOp(name, inputs, Attrs(obj, g_device))));
  // While recording, the op runs on the copy the plan keeps, so both read the same attributes.
  std::shared_ptr<const AttrMap> copied = recordedAttrs(obj);
  std::vector<uint32_t> outIds =
      storeAll(copied ? runOp(name, inputs, Attrs(copied, g_device)) : runOp(name, inputs, Attrs(obj, g_device)));
  if (copied) g_recorder->op(name, copied, ids, inputs, outIds);
  return describeAll(env, outIds);
}

// recordBegin(inputIds): records the ops from now on as a plan over these inputs.
Napi::Value RecordBegin(const Napi::CallbackInfo& info) {
  if (g_recorder) throw std::logic_error("torch backend: a recording is already in progress");
  std::vector<uint32_t> ids = toIds(info[0].As<Napi::Array>());
  Tensors tensors;
  for (uint32_t id : ids) tensors.push_back(lookup(id));
  g_recorder = std::make_unique<Recorder>(ids, tensors);
  return info.Env().Undefined();
}

// recordDrawn(id): the tensor was drawn in JS for this call (a dropout mask): the plan's next input.
Napi::Value RecordDrawn(const Napi::CallbackInfo& info) {
  if (!g_recorder) throw std::logic_error("torch backend: no recording in progress");
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  g_recorder->drawn(id, lookup(id));
  return info.Env().Undefined();
}

// recordEnd(outputIds) -> {plan} | {reason}: ends the recording (also when abandoned: outputIds empty).
Napi::Value RecordEnd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!g_recorder) throw std::logic_error("torch backend: no recording in progress");
  std::unique_ptr<Recorder> recorder = std::move(g_recorder);
  std::vector<uint32_t> outputs = toIds(info[0].As<Napi::Array>());
  std::string reason = "the recording was abandoned";
  std::unique_ptr<Plan> plan = outputs.empty() ? nullptr : recorder->finish(outputs, reason);
  Napi::Object o = Napi::Object::New(env);
  if (!plan) {
    o.Set("reason", reason);
    return o;
  }
  uint32_t id = g_next_plan++;
  g_plans.emplace(id, std::move(plan));
  o.Set("plan", id);
  return o;
}

// replay(plan, inputIds, graph) -> [{id, dtype, shape}]: the plan's outputs as
// new handles; with graph, through the plan's own buffers (graph.h), captured
// as a CUDA graph on a CUDA device.
Napi::Value Replay(const Napi::CallbackInfo& info) {
  if (g_recorder) throw std::logic_error("torch backend: cannot replay a plan while recording");
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  const Plan& plan = planOf(id);
  std::vector<uint32_t> ids = toIds(info[1].As<Napi::Array>());
  Tensors inputs;
  for (uint32_t handle : ids) inputs.push_back(lookup(handle));
  if (!info[2].ToBoolean().Value()) return describeAll(info.Env(), storeAll(plan.replay(inputs, g_device)));
  auto it = g_graphs.find(id);
  if (it == g_graphs.end()) it = g_graphs.emplace(id, std::make_unique<GraphReplay>(plan, g_device)).first;
  return describeAll(info.Env(), storeAll(it->second->replay(inputs)));
}

Napi::Value PlanSame(const Napi::CallbackInfo& info) {
  const Plan& a = planOf(info[0].As<Napi::Number>().Uint32Value());
  const Plan& b = planOf(info[1].As<Napi::Number>().Uint32Value());
  return Napi::Boolean::New(info.Env(), a.sameAs(b));
}

Napi::Value PlanInfo(const Napi::CallbackInfo& info) {
  const Plan& plan = planOf(info[0].As<Napi::Number>().Uint32Value());
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("steps", static_cast<double>(plan.numSteps()));
  o.Set("constants", static_cast<double>(plan.numConstants()));
  o.Set("inputs", static_cast<double>(plan.numInputs()));
  o.Set("outputs", static_cast<double>(plan.numOutputs()));
  auto graph = g_graphs.find(info[0].As<Napi::Number>().Uint32Value());
  if (graph != g_graphs.end()) o.Set("graph", graph->second->status());
  return o;
}

Napi::Value PlanDispose(const Napi::CallbackInfo& info) {
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  g_graphs.erase(id);  // it refers to the plan
  g_plans.erase(id);
  return info.Env().Undefined();
}

// Bytes held by ATen storages, each storage counted once (views share one).
Napi::Value MemoryBytes(const Napi::CallbackInfo& info) {
  std::unordered_set<const void*> seen;
  double total = 0;
  for (const auto& entry : g_tensors) {
    const auto& storage = entry.second.storage();
    if (seen.insert(storage.unsafeGetStorageImpl()).second) total += static_cast<double>(storage.nbytes());
  }
  return Napi::Number::New(info.Env(), total);
}

// Handles per device type ("cpu", "cuda"): shows where the tensors live.
Napi::Value Placement(const Napi::CallbackInfo& info) {
  std::map<std::string, double> counts;
  for (const auto& entry : g_tensors) counts[c10::DeviceTypeName(entry.second.device().type(), true)] += 1;
  Napi::Object o = Napi::Object::New(info.Env());
  for (const auto& [device, n] : counts) o.Set(device, n);
  return o;
}

Napi::Value NumHandles(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(g_tensors.size()));
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n > 0) {
    at::set_num_threads(n);
    // Our own parallel loops (built with -fopenmp) run on the libgomp this
    // addon links; a PyTorch wheel's libtorch has its own copy, which
    // at::set_num_threads sets. With Debian's libtorch the two are one.
    omp_set_num_threads(n);
  }
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value SetDevice(const Napi::CallbackInfo& info) {
  std::string device = info[0].As<Napi::String>().Utf8Value();
  if (device == "cuda") {
    if (!at::hasCUDA()) {
      throw std::runtime_error("torch backend: device 'cuda' requested but this libtorch has no CUDA support or no GPU is visible "
                               "(rebuild with LIBTORCH pointing at a CUDA libtorch)");
    }
    g_device = at::Device(at::kCUDA, 0);
  } else if (device == "cpu") {
    g_device = at::kCPU;
  } else {
    throw std::invalid_argument("torch backend: unknown device '" + device + "' (cpu or cuda)");
  }
  return info.Env().Undefined();
}

// setTF32(allowed): whether CUDA float32 convolutions and matmuls may round
// their inputs to TF32 (cuDNN's default allows it for convolutions, as
// PyTorch does; numerical checks turn it off). No effect on CPU.
Napi::Value SetTF32(const Napi::CallbackInfo& info) {
  bool allowed = info[0].As<Napi::Boolean>().Value();
  at::globalContext().setAllowTF32CuDNN(allowed);
  at::globalContext().setAllowTF32CuBLAS(allowed);
  return info.Env().Undefined();
}

// setFloatType('float32' | 'float64'): the ATen type of tfjs float32 tensors
// from now on; tensors already in the table are converted.
Napi::Value SetFloatType(const Napi::CallbackInfo& info) {
  std::string type = info[0].As<Napi::String>().Utf8Value();
  if (type == "float32") {
    g_float_type = at::kFloat;
  } else if (type == "float64") {
    g_float_type = at::kDouble;
  } else {
    throw std::invalid_argument("torch backend: unknown float type '" + type + "' (float32 or float64)");
  }
  for (auto& entry : g_tensors) {
    if (entry.second.is_floating_point()) entry.second = toTfjsDtype(entry.second).contiguous();
  }
  return info.Env().Undefined();
}

// opNames() -> the op table's names, sorted: what `op` accepts.
Napi::Value OpNames(const Napi::CallbackInfo& info) {
  std::vector<std::string> names = opNames();
  Napi::Array result = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); ++i) result.Set(static_cast<uint32_t>(i), names[i]);
  return result;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("libtorchVersion", TORCH_VERSION);
  o.Set("cudaAvailable", at::hasCUDA());
#ifdef DRESNET_CUDA_GRAPHS
  o.Set("cudaGraphs", true);
#else
  o.Set("cudaGraphs", false);
#endif
  o.Set("mkldnn", at::hasMKLDNN());
  o.Set("threads", at::get_num_threads());
  o.Set("device", g_device.str());
  o.Set("parallelInfo", at::get_parallel_info());
  o.Set("floatType", floatType() == at::kDouble ? "float64" : "float32");
  return o;
}

// Converts C++ exceptions (c10::Error included) into JS errors that carry the
// op's message without ATen's multi-line backtrace.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), e.what_without_backtrace());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

// glibc serves every allocation above its mmap threshold (at most 32 MiB) with
// a fresh mmap and unmaps it on free, so each large activation of a training
// step costs one page fault per 4 KiB page when first written, every step:
// ResNet-50 at batch 32 spent nearly half of a step (1 thread) in page faults.
// Serving large blocks from the heap and never trimming it lets a step reuse
// the previous step's memory; RSS stays at the peak of live tensors (which
// every step reaches again anyway) instead of returning to the OS in between.
void keepFreedMemory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);
  // glibc takes the threshold as size_t: -1 is "never trim".
  mallopt(M_TRIM_THRESHOLD, -1);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  keepFreedMemory();
  exports.Set("create", Napi::Function::New(env, guarded<Create>));
  exports.Set("read", Napi::Function::New(env, guarded<Read>));
  exports.Set("dispose", Napi::Function::New(env, guarded<Dispose>));
  exports.Set("op", Napi::Function::New(env, guarded<Op>));
  exports.Set("recordBegin", Napi::Function::New(env, guarded<RecordBegin>));
  exports.Set("recordDrawn", Napi::Function::New(env, guarded<RecordDrawn>));
  exports.Set("recordEnd", Napi::Function::New(env, guarded<RecordEnd>));
  exports.Set("replay", Napi::Function::New(env, guarded<Replay>));
  exports.Set("planSame", Napi::Function::New(env, guarded<PlanSame>));
  exports.Set("planInfo", Napi::Function::New(env, guarded<PlanInfo>));
  exports.Set("planDispose", Napi::Function::New(env, guarded<PlanDispose>));
  exports.Set("memoryBytes", Napi::Function::New(env, guarded<MemoryBytes>));
  exports.Set("numHandles", Napi::Function::New(env, guarded<NumHandles>));
  exports.Set("placement", Napi::Function::New(env, guarded<Placement>));
  exports.Set("setTF32", Napi::Function::New(env, guarded<SetTF32>));
  exports.Set("setThreads", Napi::Function::New(env, guarded<SetThreads>));
  exports.Set("setDevice", Napi::Function::New(env, guarded<SetDevice>));
  exports.Set("setFloatType", Napi::Function::New(env, guarded<SetFloatType>));
  exports.Set("opNames", Napi::Function::New(env, guarded<OpNames>));
  exports.Set("info", Napi::Function::New(env, guarded<Info>));
  return exports;
}

}  // namespace

at::Tensor asStored(const at::Tensor& t) { return toTfjsDtype(t).contiguous(); }

}  // namespace dresnet

// NODE_API_MODULE needs an unqualified function name.
static Napi::Object InitDresnetTorch(Napi::Env env, Napi::Object exports) { return dresnet::Init(env, exports); }

NODE_API_MODULE(dresnet_torch, InitDresnetTorch)
