// Loads an export with stock TensorFlow.js only (tfjs-core, its cpu backend,
// tfjs-layers) plus the export's own dresnet-layers.mjs: no dresnet code.
// It runs in its own process, so that none of the project's layer classes or
// kernels are registered.
//   node stock-tfjs.mjs <exportDir> <inputs.f32> <count> <out.json>
// inputs.f32: count model inputs (size x size x 3 float32 each, back to back);
// out.json: { probs: number[][], backend, classes: string[] }.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tfc from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

const [dir, inputsFile, countArg, outFile] = process.argv.slice(2);
const meta = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
const { registerDresnetLayers } = await import(pathToFileURL(path.join(dir, meta.layersModule)).href);
const registered = registerDresnetLayers({ ...tfc, ...tfl });
await tfc.setBackend('cpu');

// tf.loadLayersModel's file:// handler lives in tfjs-node; this handler reads the same files.
const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
const handler = {
  load: async () => {
    const shards = modelJson.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    const joined = Buffer.concat(shards);
    return {
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
      weightData: joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength),
    };
  },
};
const model = await tfl.loadLayersModel(handler);
const size = meta.input.size;
const count = Number(countArg);
const bytes = fs.readFileSync(inputsFile);
const inputs = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
const probs = model.predict(tfc.tensor4d(inputs, [count, size, size, 3]));
const rows = await probs.array();
fs.writeFileSync(outFile, JSON.stringify({ probs: rows, backend: tfc.getBackend(), classes: meta.classes, registered }));
