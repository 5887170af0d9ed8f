// Imported before tfjs-core's specs (ES imports are hoisted, so this must be
// its own module): registers the backend under test and every gradient,
// installs the project's backprop (src/engine/backprop.ts: tfjs's gradient specs
// then run on it), then points tfjs-core's describeWithFlags at that backend only.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setTestEnvs } from '@tensorflow/tfjs-core/dist/jasmine_util';
import { loadBinding, registerTorchBackend } from '../../src/backend/torch';
import { registerFastCpuKernels } from '../../src/backend/cpu';
import { installFreeingBackprop } from '../../src/engine';

const backendName = process.env.TFJS_SUITE_BACKEND ?? 'torch';
if (backendName === 'torch') {
  if (process.env.TFJS_SUITE_DEVICE === 'cuda') {
    const binding = loadBinding();
    binding.setDevice('cuda');
    // The specs' expected values are float32 results: no TF32 rounding.
    binding.setTF32(false);
  }
  registerTorchBackend();
} else if (backendName === 'cpu') {
  // The project's cpu backend: tfjs's kernels with src/backend/cpu's in place of the slow ones.
  registerFastCpuKernels();
}
installFreeingBackprop();
setTestEnvs([{ name: `test-${backendName}`, backendName, flags: {}, isDataSync: true }]);
