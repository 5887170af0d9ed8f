// Optimiser updates: every variable of a step in one call.
#include "common.h"

#include <ATen/ATen.h>

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
Tensors momentumUpdate(const Tensors& in, const Attrs& a) {
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
