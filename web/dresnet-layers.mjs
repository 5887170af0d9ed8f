/**
 * The dresnet model zoo's custom layers, for stock TensorFlow.js: the export
 * writes this file beside model.json, and a page (or Node) calls
 * registerDresnetLayers(tf) once, before tf.loadLayersModel. It is inference
 * only (no gradients), built from tfjs ops that every backend has (cpu, wasm,
 * webgl), and imports nothing: `tf` is the caller's tfjs, the global of the
 * tfjs script bundles in a page, or tfjs-core's and tfjs-layers' exports
 * merged into one object in Node ({ ...tfjsCore, ...tfjsLayers }).
 *
 * Each class keeps the class name, configuration keys and weight names of
 * the project's own layer (src/models/layers/), so model.json's topology
 * and weights load into it unchanged.
 */

/** The class names this module registers; the export refuses a model with any other custom layer. */
export const DRESNET_LAYER_CLASSES = ['GroupedConv2D', 'ChannelSlice', 'ChannelShuffle', 'ReLU6', 'BatchNorm', 'PaddedMaxPool2D'];

/** @param {any} tf @returns {string[]} the registered class names */
export function registerDresnetLayers(tf) {
  const Layer = tf.layers.Layer;
  const zeros = () => tf.initializers.zeros();
  const ones = () => tf.initializers.ones();
  const first = (inputs) => (Array.isArray(inputs) ? inputs[0] : inputs);

  /** Output length along one axis: 'same', 'valid', a symmetric zero padding, or [before, after]. */
  const outLength = (length, kernel, stride, padding) => {
    if (length == null) return null;
    if (padding === 'same') return Math.ceil(length / stride);
    const [before, after] = padding === 'valid' ? [0, 0] : typeof padding === 'number' ? [padding, padding] : padding;
    return Math.floor((length + before + after - kernel) / stride) + 1;
  };

  /** Grouped convolution (torch's groups), with the bias and ReLU/ReLU6 that a folded batch norm brings. */
  class GroupedConv2D extends Layer {
    static className = 'GroupedConv2D';

    constructor(args) {
      super(args);
      this.filters = args.filters;
      this.kernelSize = args.kernelSize;
      this.strides = args.strides ?? 1;
      this.padding = args.padding ?? Math.floor(args.kernelSize / 2);
      this.groups = args.groups ?? 1;
      this.useBias = args.useBias ?? false;
      this.activation = args.activation ?? 'linear';
    }

    build(inputShape) {
      const cin = inputShape[3];
      const k = this.kernelSize;
      this.kernel = this.addWeight('kernel', [k, k, cin / this.groups, this.filters], 'float32', zeros());
      if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', zeros());
      this.built = true;
    }

    computeOutputShape(inputShape) {
      const [n, h, w] = inputShape;
      const out = (len) => outLength(len, this.kernelSize, this.strides, this.padding);
      return [n, out(h), out(w), this.filters];
    }

    call(inputs) {
      return tf.tidy(() => {
        const x = first(inputs);
        const filter = this.kernel.read();
        const bias = this.bias ? this.bias.read() : undefined;
        const [kh, kw, ci, cout] = filter.shape;
        const conv = { strides: this.strides, pad: this.padding, bias, activation: this.activation };
        if (this.groups === 1) return tf.fused.conv2d({ x, filter, ...conv });
        if (ci === 1) {
          // One input channel per group: a depthwise convolution with channel multiplier Cout/Cin.
          return tf.fused.depthwiseConv2d({ x, filter: tf.reshape(filter, [kh, kw, this.groups, cout / this.groups]), ...conv });
        }
        // Otherwise one convolution per group of channels, side by side.
        const xs = tf.split(x, this.groups, 3);
        const ws = tf.split(filter, this.groups, 3);
        const y = tf.concat(xs.map((xg, g) => tf.conv2d(xg, ws[g], this.strides, this.padding)), 3);
        const biased = bias ? tf.add(y, bias) : y;
        if (this.activation === 'relu') return tf.relu(biased);
        if (this.activation === 'relu6') return tf.relu6(biased);
        return biased;
      });
    }

    getConfig() {
      const { filters, kernelSize, strides, padding, groups, useBias, activation } = this;
      return { ...super.getConfig(), filters, kernelSize, strides, padding, groups, useBias, activation };
    }
  }

  /** Channels [start, start + size) of an NHWC tensor. */
  class ChannelSlice extends Layer {
    static className = 'ChannelSlice';

    constructor(args) {
      super(args);
      this.start = args.start;
      this.size = args.size;
    }

    computeOutputShape(inputShape) {
      return [...inputShape.slice(0, -1), this.size];
    }

    call(inputs) {
      const x = first(inputs);
      const begin = x.shape.map((_, i) => (i === x.rank - 1 ? this.start : 0));
      const size = x.shape.map((d, i) => (i === x.rank - 1 ? this.size : d));
      return tf.slice(x, begin, size);
    }

    getConfig() {
      return { ...super.getConfig(), start: this.start, size: this.size };
    }
  }

  /** ShuffleNet's channel shuffle: [.., G·k] viewed as [.., G, k], transposed, flattened back. */
  class ChannelShuffle extends Layer {
    static className = 'ChannelShuffle';

    constructor(args) {
      super(args);
      this.groups = args.groups;
    }

    computeOutputShape(inputShape) {
      return inputShape;
    }

    call(inputs) {
      return tf.tidy(() => {
        const x = first(inputs);
        const [n, h, w, c] = x.shape;
        const grouped = tf.reshape(x, [n, h, w, this.groups, c / this.groups]);
        return tf.reshape(tf.transpose(grouped, [0, 1, 2, 4, 3]), [n, h, w, c]);
      });
    }

    getConfig() {
      return { ...super.getConfig(), groups: this.groups };
    }
  }

  class ReLU6 extends Layer {
    static className = 'ReLU6';

    computeOutputShape(inputShape) {
      return inputShape;
    }

    call(inputs) {
      return tf.relu6(first(inputs));
    }
  }

  /** Max pooling over explicitly padded windows (padding never counts), as torch's MaxPool2d with padding and ceil mode. */
  class PaddedMaxPool2D extends Layer {
    static className = 'PaddedMaxPool2D';

    constructor(args) {
      super(args);
      this.poolSize = args.poolSize;
      this.strides = args.strides;
      this.pads = args.pads;
    }

    computeOutputShape(inputShape) {
      const [n, h, w, c] = inputShape;
      return [n, outLength(h, this.poolSize, this.strides, this.pads[0]), outLength(w, this.poolSize, this.strides, this.pads[1]), c];
    }

    call(inputs) {
      const [rows, cols] = this.pads;
      return tf.maxPool(first(inputs), this.poolSize, this.strides, [[0, 0], rows, cols, [0, 0]]);
    }

    getConfig() {
      return { ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, pads: this.pads };
    }
  }

  /** A batch norm that no convolution absorbed, in inference form (running statistics). */
  class BatchNorm extends Layer {
    static className = 'BatchNorm';

    constructor(args) {
      super(args);
      this.momentum = args.momentum ?? 0.1;
      this.epsilon = args.epsilon ?? 1e-5;
      this.gammaInit = args.gammaInit ?? 'ones';
    }

    build(inputShape) {
      const c = inputShape[inputShape.length - 1];
      this.gamma = this.addWeight('gamma', [c], 'float32', ones());
      this.beta = this.addWeight('beta', [c], 'float32', zeros());
      this.movingMean = this.addWeight('moving_mean', [c], 'float32', zeros(), undefined, false);
      this.movingVariance = this.addWeight('moving_variance', [c], 'float32', ones(), undefined, false);
      this.built = true;
    }

    computeOutputShape(inputShape) {
      return inputShape;
    }

    call(inputs) {
      return tf.batchNorm(first(inputs), this.movingMean.read(), this.movingVariance.read(), this.beta.read(), this.gamma.read(), this.epsilon);
    }

    getConfig() {
      return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon, gammaInit: this.gammaInit };
    }
  }

  const classes = [GroupedConv2D, ChannelSlice, ChannelShuffle, ReLU6, BatchNorm, PaddedMaxPool2D];
  for (const cls of classes) tf.serialization.registerClass(cls);
  return classes.map((cls) => cls.className);
}
