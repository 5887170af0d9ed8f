#include "graph.h"

#ifdef DRESNET_CUDA_GRAPHS
// CUDA's runtime API and c10's streams only: ATen's CUDAContext.h would need
// cuBLAS' and cuSPARSE's headers too.
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#endif

namespace dresnet {

#ifdef DRESNET_CUDA_GRAPHS
struct GraphReplay::Captured {
  at::cuda::CUDAGraph graph;
  // The captured run's outputs, in the graph's pool: each launch rewrites them.
  Tensors outputs;
};

namespace {
// `waiter` runs its later work only after what `first` has queued so far.
void streamWaits(const c10::cuda::CUDAStream& waiter, const c10::cuda::CUDAStream& first) {
  cudaEvent_t done;
  C10_CUDA_CHECK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
  C10_CUDA_CHECK(cudaEventRecord(done, first.stream()));
  C10_CUDA_CHECK(cudaStreamWaitEvent(waiter.stream(), done, 0));
  C10_CUDA_CHECK(cudaEventDestroy(done));
}
// As torch.cuda.graph: lazy initialisation, cuDNN's choice of algorithms and
// the allocator's first blocks happen in runs before the capture.
constexpr int kWarmupRuns = 3;
}  // namespace
#else
struct GraphReplay::Captured {};
#endif

GraphReplay::GraphReplay(const Plan& plan, at::Device device) : plan_(plan), device_(device) {
  for (const SlotSpec& spec : plan.inputSpecs()) {
    buffers_.push_back(at::empty(spec.shape, at::TensorOptions().dtype(spec.dtype).device(device)));
  }
}

GraphReplay::~GraphReplay() = default;

Tensors GraphReplay::runSteps() { return plan_.replay(buffers_, device_); }

Tensors GraphReplay::replay(const Tensors& inputs) {
  plan_.checkInputs(inputs);
  for (size_t i = 0; i < inputs.size(); ++i) buffers_[i].copy_(inputs[i]);
#ifdef DRESNET_CUDA_GRAPHS
  if (device_.is_cuda() && !captured_ && notCaptured_.empty()) capture();
  if (captured_) {
    captured_->graph.replay();
    Tensors out;
    for (const at::Tensor& t : captured_->outputs) out.push_back(t.clone());
    return out;
  }
#endif
  // The outputs may be the buffers themselves (an input passed through), which the next replay overwrites.
  Tensors out;
  for (const at::Tensor& t : runSteps()) out.push_back(t.clone());
  return out;
}

void GraphReplay::capture() {
#ifdef DRESNET_CUDA_GRAPHS
  c10::cuda::CUDAStream caller = c10::cuda::getCurrentCUDAStream();
  c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool();
  streamWaits(side, caller);
  auto captured = std::make_unique<Captured>();
  {
    c10::cuda::CUDAStreamGuard onSide(side);
    try {
      for (int i = 0; i < kWarmupRuns; ++i) runSteps();
      captured->graph.capture_begin(at::cuda::graph_pool_handle());
    } catch (const std::exception& e) {
      notCaptured_ = std::string("not captured: ") + e.what();
    }
    if (notCaptured_.empty()) {
      try {
        captured->outputs = runSteps();
        captured->graph.capture_end();
      } catch (const std::exception& e) {
        notCaptured_ = std::string("not captured: ") + e.what();
        try {
          captured->graph.capture_end();
        } catch (const std::exception&) {
          // The capture was already invalidated; ending it is all that was left to do.
        }
      }
    }
  }
  streamWaits(caller, side);
  if (notCaptured_.empty()) captured_ = std::move(captured);
#endif
}

std::string GraphReplay::status() const {
  if (captured_) return "captured";
  return notCaptured_.empty() ? "steps" : notCaptured_;
}

}  // namespace dresnet
