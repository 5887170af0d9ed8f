/** The shared head: global average pool → FC ('logits') → softmax ('probs'). The trainer can cut at 'logits'. */
import * as tfl from '@tensorflow/tfjs-layers';

export const LOGITS_LAYER = 'logits';
export const PROBS_LAYER = 'probs';

export function classifierHead(features: tfl.SymbolicTensor, numClasses: number, dropout = 0): tfl.SymbolicTensor {
  let x = tfl.layers.globalAveragePooling2d({ name: 'head.pool' }).apply(features) as tfl.SymbolicTensor;
  if (dropout > 0) x = tfl.layers.dropout({ rate: dropout, name: 'head.dropout' }).apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: numClasses, name: LOGITS_LAYER }).apply(x) as tfl.SymbolicTensor;
  return tfl.layers.softmax({ name: PROBS_LAYER }).apply(logits) as tfl.SymbolicTensor;
}
