/** The shared head: global average pool → FC ('logits') → softmax ('probs'). Training cuts at 'logits'. */
import * as tfl from '@tensorflow/tfjs-layers';
import { Dropout } from './dropout';

export const LOGITS_LAYER = 'logits';
export const PROBS_LAYER = 'probs';

export function classifierHead(features: tfl.SymbolicTensor, numClasses: number, dropout = 0): tfl.SymbolicTensor {
  let x = tfl.layers.globalAveragePooling2d({ name: 'head.pool' }).apply(features) as tfl.SymbolicTensor;
  if (dropout > 0) x = new Dropout({ rate: dropout, name: 'head.dropout' }).apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: numClasses, name: LOGITS_LAYER }).apply(x) as tfl.SymbolicTensor;
  return tfl.layers.softmax({ name: PROBS_LAYER }).apply(logits) as tfl.SymbolicTensor;
}

const logitsModels = new WeakMap<tfl.LayersModel, tfl.LayersModel>();

/**
 * The same network ending at 'logits' (the layers and weights are shared, not
 * copied). Losses take logits: through a saturated softmax the gradient of a
 * confidently wrong sample is zero, and a network that once overshoots stays
 * dead, predicting one class.
 */
export function logitsModel(model: tfl.LayersModel): tfl.LayersModel {
  let cut = logitsModels.get(model);
  if (cut === undefined) {
    const layer = model.layers.find((l) => l.name === LOGITS_LAYER);
    if (layer === undefined) throw new Error(`model ${model.name} has no '${LOGITS_LAYER}' layer (every zoo model ends in classifierHead)`);
    cut = tfl.model({ inputs: model.inputs, outputs: layer.output as tfl.SymbolicTensor, name: `${model.name}_logits` });
    logitsModels.set(model, cut);
  }
  return cut;
}
