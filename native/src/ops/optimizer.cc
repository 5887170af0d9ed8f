// Optimiser updates: every variable of a step in one call.
#include "common.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

namespace dresnet {
namespace {

// The gradients with weightDecay·value added to those listed in "decayed".
Tensors withWeightDecay(Tensors gradients, const Tensors& values, const Attrs& a) {
  double weightDecay = a.f("weightDecay");
  std::vector<int64_t> decayed = a.ints("decayed");
  if (weightDecay == 0 || decayed.empty()) return gradients;
  Tensors g, v;
  for (int64_t k : decayed) {
    g.push_back(gradients[k]);
    v.push_back(values[k]);
  }
  Tensors sum = at::_foreach_add(g, v, weightDecay);
  for (size_t j = 0; j < decayed.size(); ++j) gradients[decayed[j]] = sum[j];
  return gradients;
}

// inputs: values[n], accumulations[n], gradients[n] -> values'[n],
// accumulations'[n] (tfjs's MomentumOptimizer rule with coupled weight
// decay, see kernel_names.ts).
// The same rule as one pass over every variable of float32 CPU tensors: each element's new accumulation and value from its old ones and its
// gradient, in the order of operations (and roundings) of the _foreach path
// below. The _foreach ops make three or four passes over all variables, each
// variable larger than ATen's grain its own parallel region (DResNet: ~300
// variables, a third of them above the grain); this is one parallel region
// over the variables' elements laid end to end. Elementwise, so the thread
// count does not change the result.
bool fusedMomentumApplies(const Tensors& in) {
  return std::all_of(in.begin(), in.end(), [](const at::Tensor& t) {
    return t.defined() && t.is_cpu() && t.scalar_type() == at::kFloat;
  });
}

Tensors fusedMomentumUpdate(const Tensors& in, const Attrs& a) {
  const size_t n = in.size() / 3;
  const float momentum = static_cast<float>(a.f("momentum"));
  const float step = static_cast<float>(-a.f("learningRate"));
  const float weightDecay = static_cast<float>(a.f("weightDecay"));
  const bool nesterov = a.b("useNesterov");
  std::vector<char> decayed(n, 0);
  if (a.f("weightDecay") != 0) {
    for (int64_t k : a.ints("decayed")) decayed.at(static_cast<size_t>(k)) = 1;
  }
  // A convolution's filter variable arrives re-laid out as ATen's weight
  // (convolution.cc's torchWeight: the same tensor for tfjs, strided storage),
  // its gradient and accumulation in tfjs's order. Elementwise over strided
  // and contiguous operands, the _foreach path's TensorIterator loops took
  // 0.04-0.9 s over DResNet's variables on 2 loaded cores, and a copy of each
  // filter into tfjs's order 0.17 s; so values are read through their strides
  // here (an odometer over the logical index), everything else is contiguous,
  // and the outputs are contiguous in tfjs's order.
  Tensors inputs(in.size());
  for (size_t k = 0; k < in.size(); ++k) inputs[k] = k < n || in[k].is_contiguous() ? in[k] : in[k].contiguous();
  Tensors out(2 * n);
  std::vector<int64_t> start(n + 1, 0);  // each variable's first element in the joined range
  for (size_t k = 0; k < n; ++k) {
    out[k] = at::empty(inputs[k].sizes(), inputs[k].options());
    out[n + k] = at::empty(inputs[n + k].sizes(), inputs[n + k].options());
    start[k + 1] = start[k] + inputs[k].numel();
  }
  at::parallel_for(0, start[n], at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
    size_t k = static_cast<size_t>(std::upper_bound(start.begin(), start.end(), begin) - start.begin()) - 1;
    for (int64_t i = begin; i < end; ++k) {
      const int64_t first = i - start[k], last = std::min(end, start[k + 1]) - start[k];
      const at::Tensor& v = inputs[k];
      const float* value = v.data_ptr<float>();
      const float* accumulation = inputs[n + k].data_ptr<float>();
      const float* gradient = inputs[2 * n + k].data_ptr<float>();
      float* nextValue = out[k].data_ptr<float>();
      float* nextAccumulation = out[n + k].data_ptr<float>();
      const bool decay = decayed[k] != 0;
      const bool strided = !v.is_contiguous();
      // The odometer: the logical index of element j and its storage offset in v.
      const int64_t dims = v.dim();
      std::vector<int64_t> index(static_cast<size_t>(dims), 0);
      int64_t offset = 0;
      if (strided) {
        for (int64_t d = dims - 1, rest = first; d >= 0; --d) {
          index[d] = rest % v.size(d);
          rest /= v.size(d);
          offset += index[d] * v.stride(d);
        }
      }
      for (int64_t j = first; j < last; ++j) {
        const float old = strided ? value[offset] : value[j];
        float g = gradient[j];
        if (decay) g = g + weightDecay * old;
        float next = accumulation[j] * momentum;
        next = next + g;
        float s = next;
        if (nesterov) {
          s = next * momentum;
          s = s + g;
        }
        nextAccumulation[j] = next;
        nextValue[j] = old + step * s;
        if (strided) {
          for (int64_t d = dims - 1; d >= 0; --d) {
            offset += v.stride(d);
            if (++index[d] < v.size(d)) break;
            offset -= index[d] * v.stride(d);
            index[d] = 0;
          }
        }
      }
      i = start[k] + last;
    }
  });
  return out;
}

Tensors momentumUpdate(const Tensors& in, const Attrs& a) {
  if (fusedMomentumApplies(in)) return fusedMomentumUpdate(in, a);
  auto n = static_cast<std::ptrdiff_t>(in.size() / 3);
  Tensors values(in.begin(), in.begin() + n), accumulations(in.begin() + n, in.begin() + 2 * n);
  Tensors gradients = withWeightDecay(Tensors(in.begin() + 2 * n, in.end()), values, a);
  double momentum = a.f("momentum");
  Tensors next = at::_foreach_mul(accumulations, momentum);
  at::_foreach_add_(next, gradients);
  Tensors step = next;
  if (a.b("useNesterov")) {
    step = at::_foreach_mul(next, momentum);
    at::_foreach_add_(step, gradients);
  }
  Tensors out = at::_foreach_add(values, step, -a.f("learningRate"));
  out.insert(out.end(), next.begin(), next.end());
  return out;
}

}  // namespace

void addOptimizerOps(OpTable& table) {
  table.add({
      {"MomentumUpdate", momentumUpdate},
  });
}

}  // namespace dresnet
