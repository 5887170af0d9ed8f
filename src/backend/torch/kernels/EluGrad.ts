import { EluGrad, EluGradInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const eluGradConfig = torchKernel<EluGradInputs>(EluGrad, ({ dy, y }, backend) => backend.execute1(EluGrad, [dy, y]));
