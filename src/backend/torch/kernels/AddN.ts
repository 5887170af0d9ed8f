import { AddN, AddNInputs } from '@tensorflow/tfjs-core';
import { torchKernel } from '../kernel_utils';

export const addNConfig = torchKernel<AddNInputs>(AddN, (inputs, backend) => backend.execute1(AddN, inputs));
