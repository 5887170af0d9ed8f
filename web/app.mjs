/**
 * The page: loads the export (metadata.json, the custom layers' module,
 * model.json) with stock tfjs, picks a backend (webgl, else wasm, else cpu;
 * ?backend=NAME asks for one), and classifies each chosen or dropped image
 * with the export's own preprocessing. Results are also kept in
 * window.dresnet.results, for scripts that drive the page.
 */
import { abnormalProbability, preprocess, rgbaToRgb, topK } from './dresnet-preprocess.mjs';

const tf = window.tf;
const $ = (id) => document.getElementById(id);
const state = { ready: false, backend: null, results: [], errors: [] };
window.dresnet = state;

async function pickBackend() {
  tf.wasm.setWasmPaths(new URL('vendor/', location.href).href);
  const asked = new URLSearchParams(location.search).get('backend');
  for (const name of asked ? [asked] : ['webgl', 'wasm', 'cpu']) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // not offered by this browser: try the next one
    }
  }
  throw new Error(`no tfjs backend available (tried ${asked ?? 'webgl, wasm, cpu'})`);
}

/** RGB bytes of an image file as the browser decodes it, without colour management. */
async function decode(file) {
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  const { data, width, height } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
  bitmap.close();
  return { rgb: rgbaToRgb(data), width, height };
}

function showMetadata(meta) {
  const run = meta.run ?? {};
  const v = (meta.validation?.rows ?? []).find((r) => r.weights === (meta.quantization === 'none' ? 'float32' : meta.quantization));
  $('meta').textContent = `${meta.model} · ${meta.classes.length} classes (${meta.classes.join(', ')}) · input ${meta.input.size}×${meta.input.size} (${meta.input.resize}) · ` +
    `weights ${meta.quantization === 'none' ? 'float32' : meta.quantization} · run ${run.id} (config ${run.configHash}, commit ${(run.gitCommit ?? 'unknown').slice(0, 10)})` +
    (v ? ` · validation top-1 ${(100 * v.top1).toFixed(1)}%${v.auc !== undefined ? `, abnormal AUC ${v.auc.toFixed(3)}` : ''}` : '');
}

function addRow(file, result, meta) {
  const row = document.createElement('tr');
  const img = document.createElement('img');
  img.className = 'cell';
  img.src = URL.createObjectURL(file);
  const cells = [img, file.name, result.top.map((t) => `<span class="bar" style="width:${Math.round(80 * t.p)}px"></span>${t.class} ${(100 * t.p).toFixed(1)}%`).join('<br>')];
  cells.push(result.abnormal === null ? '–' : `<span class="${result.abnormal >= meta.threshold ? 'abnormal' : 'normal'}">${(100 * result.abnormal).toFixed(1)}% ${result.abnormal >= meta.threshold ? 'abnormal' : 'normal'}</span>`);
  cells.push(result.ms.toFixed(1));
  for (const c of cells) {
    const td = document.createElement('td');
    if (c instanceof HTMLElement) td.append(c);
    else td.innerHTML = c;
    row.append(td);
  }
  $('results').hidden = false;
  $('results').querySelector('tbody').append(row);
}

async function classify(model, meta, file) {
  const { rgb, width, height } = await decode(file);
  const input = preprocess(rgb, width, height, meta);
  const started = performance.now();
  const probs = tf.tidy(() => model.predict(tf.tensor4d(input, [1, meta.input.size, meta.input.size, 3])));
  const values = Array.from(await probs.data());
  const ms = performance.now() - started;
  probs.dispose();
  return { file: file.name, probs: values, top: topK(values, meta.classes, 3), abnormal: abnormalProbability(values, meta), ms };
}

async function classifyAll(model, meta, files) {
  for (const file of files) {
    try {
      const result = await classify(model, meta, file);
      state.results.push(result);
      addRow(file, result, meta);
    } catch (err) {
      state.errors.push(`${file.name}: ${err.message}`);
      $('error').textContent = state.errors.join('\n');
    }
  }
}

async function main() {
  state.backend = await pickBackend();
  const meta = await (await fetch('metadata.json')).json();
  const { registerDresnetLayers } = await import(`./${meta.layersModule}`);
  registerDresnetLayers(tf);
  const model = await tf.loadLayersModel('model.json');
  // One warm-up run: the first call compiles shaders (webgl) or allocates (wasm).
  tf.tidy(() => model.predict(tf.zeros([1, meta.input.size, meta.input.size, 3]))).dataSync();
  showMetadata(meta);
  $('status').textContent = `tfjs ${tf.version_core} · backend: ${state.backend}`;
  const input = $('file');
  input.addEventListener('change', () => classifyAll(model, meta, [...input.files]));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    classifyAll(model, meta, [...e.dataTransfer.files]);
  });
  state.ready = true;
}

main().catch((err) => {
  state.errors.push(err.message);
  $('error').textContent = err.message;
});
