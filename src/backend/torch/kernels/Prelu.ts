import { Prelu, PreluInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const preluConfig = torchKernel<PreluInputs>(Prelu, ({ x, alpha }, backend) => backend.execute1(Prelu, [x, alpha]));
