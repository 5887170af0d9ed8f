import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { trainingForward } from '../engine/training_forward';
import { logitsModel } from './layers/classifier';

/** The logits of a zoo model in a training step (see logitsModel), holding less than model.apply (see trainingForward). */
export function trainingLogits(model: tfl.LayersModel, x: tf.Tensor4D): tf.Tensor2D {
  return trainingForward(logitsModel(model), x) as tf.Tensor2D;
}
