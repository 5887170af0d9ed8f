import type * as tf from '@tensorflow/tfjs-core';

/** The fields of tfjs's MomentumOptimizer (4.22) that FusedMomentumOptimizer reuses: private in its typings, plain properties at run time. */
export interface MomentumFields {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
  accumulations: Array<{ originalName: string; variable: tf.Variable } | undefined>;
}

/** The optimiser's own fields (the object itself, not a copy). */
export function momentumFields(optimizer: tf.MomentumOptimizer): MomentumFields {
  return optimizer as unknown as MomentumFields;
}
