/**
 * tfjs-core specs skipped on the torch backend, matched as substrings of the
 * spec's full name (as tfjs-node's run_tests.ts does). Every entry says why;
 * a shorter list is progress. Grouped by cause; the runner's counts say how
 * many specs each run skipped.
 */

const COMPLEX64 =
  'complex64 dtype: the torch backend stores float32, int32, bool (ATen) and string (JS) tensors; it has no Complex ' +
  'kernel, so no complex tensor can be made. Complex tensors appear only in the FFT family, never in the zoo, its ' +
  'gradients, optimisers, losses or metrics';

const NOT_ON_ZOO_PATH = 'kernel not implemented on torch: not reached by the zoo, its gradients, optimisers, losses or metrics';

export const IGNORE_LIST: ReadonlyArray<{ match: string; reason: string }> = [
  // ------------------------------------------------------------ complex64
  ...[
    'complex64 rank-',
    'is underflow-safe for complex64',
    'complex number',
    'complex64 dtype',
    'complex dtype',
    'complex input',
    'complex64 test-torch {} tf.',
    'complex64 tensor',
    'scalar complex64',
    'complex64 with',
    'cast complex64',
    'ones with complex type',
    'squeeze a complex64',
    'accepts complex64 input',
    '.arraySync() with a complex tensor',
    'util.toNestedArray for a complex tensor test-torch {} tensor to nested array',
  ].map((match) => ({ match, reason: COMPLEX64 })),
  { match: 'Complex64 tensors', reason: `${COMPLEX64} (encodeWeights of a complex64 tensor)` },
  { match: 'Mixed dtype tensors', reason: `${COMPLEX64} (encode/decodeWeights of a list that includes a complex64 tensor)` },
  ...['add', 'sub'].map((op) => ({
    match: `${op} test-torch {} upcasts when dtypes dont match`,
    reason: `${COMPLEX64} (the spec ends with an upcast to complex64)`,
  })),
  { match: 'FFT', reason: `${COMPLEX64} (FFT, IFFT, RFFT, IRFFT produce or take complex64 tensors)` },
  { match: 'stft ', reason: `${COMPLEX64} (stft is an RFFT of frames)` },

  // ------------------------------------- image kernels outside the zoo
  ...['extreme projective transform', 'fill=', 'static output shape'].map((spec) => ({
    match: `image.transform test-torch {} ${spec}`,
    reason: `${NOT_ON_ZOO_PATH} (Transform, projective image warps; the argument checks still run)`,
  })),

  // -------------------------------------------------- inconsistent input
  {
    match: 'conv2dTranspose test-torch {} input=8x8x8,output=4x4x8,f=8,s=1,inDepth=8,p=same vec4',
    reason:
      "a WebGL (vec4) spec whose dy (8x8) is larger than the 4x4 output of its own 'same' conv: tfjs's cpu loop reads " +
      "only dy's first 4x4 window, ATen (oneDNN) rejects the inconsistent shapes with an error",
  },
];
