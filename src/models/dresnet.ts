/**
 * DResNet (the paper's Table 1): Conv1 7×7/2 → Pool1 3×3/2 (pad 1, ceil mode:
 * 112 → 57) → [MB1, DB1×1] → [MB2 /2, DB2×2] → [MB3 /2, DB3×4] → [MB4 /2, DB4×2]
 * → global pool → FC → softmax; 57 → 29 → 15 → 8 as printed. Every module
 * choice is an option, for the ablation.
 *
 * Default widths (the paper gives none): stem 64, stages [96, 192, 384, 768],
 * groups 4 (every 1×1 conv), W 1.0, R 0.5, SE ratio 1/16. With a 1000-class
 * head that is 2,859,680 float32 weights (2,821,728 trainable; BN running
 * statistics make the rest) = 10.909 MiB = 11.439 MB, +2.0% against the
 * paper's 10.7 (Table 4; Table 3's 11.2 is the same size in decimal MB), at
 * 0.434 GMACs (results/sizes.md). The widths are multiples of 2·groups so
 * that R = 0.5 splits the squeezed channels into whole groups.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import * as s from '../config/schema';
import { UserError } from '../util/errors';
import { CommonOptions, registerModel } from './registry';
import { convBnAct } from './layers/conv_bn_act';
import { maxPoolPadded } from './layers/pool';
import { dresModule, DResModuleArgs, DRES_MODULE_SWITCHES } from './layers/dres_block';
import { classifierHead } from './layers/classifier';
import { imageInput } from './input';

const STEM_WIDTH = 64;
/** DRes_Blocks after each stage's Match_Block (Table 1). */
const STAGE_BLOCKS = [1, 2, 4, 2];

/** Every DResNet option beyond CommonOptions, with its default: the ablation's switches (the module's and these). */
const DRESNET_OPTIONS = s.object({
  conv3x3: DRES_MODULE_SWITCHES.conv3x3,
  pointwise: s.oneOf(['grouped', 'dense'] as const, { default: 'grouped', doc: 'every 1x1 conv grouped (by groups) or dense' }),
  groups: s.integer({ default: 4, min: 1, doc: 'groups of every grouped 1x1 conv' }),
  squeeze: DRES_MODULE_SWITCHES.squeeze,
  split: DRES_MODULE_SWITCHES.split,
  multiScale: DRES_MODULE_SWITCHES.multiScale,
  se: DRES_MODULE_SWITCHES.se,
  seRatio: DRES_MODULE_SWITCHES.seRatio,
  stageWidths: s.array(s.integer({ min: 1 }), { default: [96, 192, 384, 768], doc: `output channels of the ${STAGE_BLOCKS.length} stages at width 1` }),
});

export type DResNetOptions = CommonOptions & s.Infer<typeof DRESNET_OPTIONS>;

function pointwiseGroups(o: DResNetOptions): number {
  return o.pointwise === 'grouped' ? o.groups : 1;
}

/** What each option's schema cannot check alone. */
function validate(o: DResNetOptions): void {
  const bad = (key: string, want: string, got: unknown): never => {
    throw new UserError(`model dresnet option "${key}": expected ${want}, got ${JSON.stringify(got)}`);
  };
  if (o.stageWidths.length !== STAGE_BLOCKS.length) bad('stageWidths', `${STAGE_BLOCKS.length} positive integers`, o.stageWidths);
  const g = pointwiseGroups(o);
  if (o.width === 1 && o.stageWidths.some((w) => w % g !== 0)) bad('stageWidths', `multiples of groups (${g})`, o.stageWidths);
}

/** Widths scaled by the width multiplier, kept multiples of the 1×1 groups. */
function scaled(channels: number, o: DResNetOptions): number {
  const g = pointwiseGroups(o);
  return Math.max(g, Math.round((channels * o.width) / g) * g);
}

function buildDResNet(o: DResNetOptions): tfl.LayersModel {
  const input = imageInput(o.inputSize);
  let x = convBnAct(input, { filters: scaled(STEM_WIDTH, o), kernelSize: 7, strides: 2 }, 'conv1');
  x = maxPoolPadded(x, { poolSize: 3, strides: 2, padding: 1, ceilMode: true }, 'pool1');
  const common: Omit<DResModuleArgs, 'outChannels' | 'stride' | 'shortcut'> = {
    groups: pointwiseGroups(o), squeeze: o.squeeze, split: o.split, multiScale: o.multiScale, conv3x3: o.conv3x3, se: o.se, seRatio: o.seRatio,
  };
  o.stageWidths.forEach((w, s) => {
    const outChannels = scaled(w, o);
    x = dresModule(x, { ...common, outChannels, stride: s === 0 ? 1 : 2, shortcut: 'projection' }, `mb${s + 1}`);
    for (let b = 0; b < STAGE_BLOCKS[s]; b++) {
      x = dresModule(x, { ...common, outChannels, stride: 1, shortcut: 'identity' }, `db${s + 1}.${b}`);
    }
  });
  return tfl.model({ inputs: input, outputs: classifierHead(x, o.numClasses), name: 'dresnet' });
}

registerModel<DResNetOptions>({
  name: 'dresnet',
  description: 'DResNet (this paper): grouped 1x1, W/R multi-scale squeeze-expand, depthwise-separable 3x3, SE',
  options: DRESNET_OPTIONS,
  paperSizes: [
    { width: 1, mb: 10.7, source: 'Table 4' },
    { width: 1, mb: 11.2, source: 'Table 3' },
    { width: 0.5, mb: 7.4, source: 'Table 3' },
    { width: 0.25, mb: 1.7, source: 'Table 3' },
  ],
  validate,
  build: buildDResNet,
});
