import * as tfl from '@tensorflow/tfjs-layers';

/** The NHWC image input every model takes. */
export function imageInput(inputSize: number): tfl.SymbolicTensor {
  return tfl.input({ shape: [inputSize, inputSize, 3], name: 'image' });
}
