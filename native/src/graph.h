// A plan replayed through buffers of its own: each replay copies its inputs
// into them, runs the plan's steps on them and hands out copies of the
// outputs. Built against a CUDA libtorch (DRESNET_CUDA_GRAPHS), on a CUDA
// device the steps are captured once as a CUDA graph (at::cuda::CUDAGraph,
// its own memory pool, as torch.cuda.graph does), so a replay is the input
// copies, one graph launch and the output copies, with no host work per op.
// A plan whose capture fails (an op that waits for the GPU, e.g. an index
// check that reads a flag back) keeps running its steps one by one and says
// why. On the CPU the steps always run one by one on the buffers: the same
// path without the capture, which is how it is tested where there is no GPU.
#pragma once

#include "plan.h"

#include <memory>
#include <string>

namespace dresnet {

class GraphReplay {
 public:
  GraphReplay(const Plan& plan, at::Device device);
  ~GraphReplay();

  Tensors replay(const Tensors& inputs);

  // "captured", "not captured: <why>", or "steps" (a CPU device, or an addon
  // built without CUDA graphs).
  std::string status() const;

 private:
  Tensors runSteps();
  void capture();

  const Plan& plan_;
  at::Device device_;
  Tensors buffers_;
  struct Captured;
  std::unique_ptr<Captured> captured_;
  std::string notCaptured_;
};

}  // namespace dresnet
