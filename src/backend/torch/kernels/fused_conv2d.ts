import { FusedConv2D, FusedConv2DAttrs, FusedConv2DInputs, TensorInfo } from '@tensorflow/tfjs-core';
import { NativeAttrs } from '../binding';
import { convAttrs, torchKernel } from '../kernel_utils';
import { isNCHW, nhwcOperand, nhwcParams, viaNHWC } from '../layout';

function fusedAttrs(xShape: number[], filterShape: number[], attrs: FusedConv2DAttrs): NativeAttrs {
  return {
    ...convAttrs(FusedConv2D, xShape, filterShape, attrs),
    activation: attrs.activation,
    leakyreluAlpha: attrs.leakyreluAlpha,
  };
}

/** Conv with bias and activation in one native call (tfjs-layers' Conv2D uses this). */
export const fusedConv2DConfig = torchKernel<FusedConv2DInputs, FusedConv2DAttrs>(FusedConv2D, (inputs, backend, attrs) => {
  const { x, filter, bias, preluActivationWeights: prelu } = inputs;
  if (isNCHW(attrs.dataFormat)) {
    return viaNHWC(backend, (s, toNHWC) => {
      const xNHWC = toNHWC(x);
      const operand = (t: TensorInfo | undefined) => (t === undefined ? undefined : nhwcOperand(s, t));
      return s.op(FusedConv2D, [xNHWC, filter, operand(bias), operand(prelu)], fusedAttrs(xNHWC.shape, filter.shape, nhwcParams(attrs)));
    });
  }
  return backend.execute1(FusedConv2D, [x, filter, bias, prelu], fusedAttrs(x.shape, filter.shape, attrs));
});
