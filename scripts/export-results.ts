/**
 * results/export/: a run exported at float32, float16 and uint8 (sizes and
 * validation metrics), the page's latency per image in headless Chromium
 * (float32 weights; wasm, and webgl where the browser offers it), the gap between the page's
 * preprocessing and the run's, and a screenshot of the page with results.
 *   node dist/scripts/export-results.js --run runs/X [--out results/export] [--images 20]
 * Needs Chromium ($CHROMIUM, else /usr/bin/chromium).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportRun, formatExportSummary } from '../src/ship/export';
import { openRun, webAssetPath } from '../src/ship/classifier';
import { decodeOrExplain, runPixels } from '../src/ship/inputs';
import { servePage } from '../src/ship/web';
import { writeCsv } from '../src/util/csv';
import { provenance } from '../src/report/run-report';
import { CHROMIUM, classifyInPage, launchChromium } from '../test/helpers/page';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Pixel differences between the page's resize and the run's (libvips) over the given files. */
async function preprocessingGap(runDir: string, files: string[]): Promise<{ maxLevels: number; meanLevels: number; equalShare: number }> {
  const run = openRun(runDir, 'best');
  const portable = require(webAssetPath('dresnet-preprocess.mjs')) as { resizeSquare(rgb: Uint8Array, w: number, h: number, s: number, m: string): Uint8Array };
  let max = 0, sum = 0, equal = 0, n = 0;
  for (const f of files) {
    const ours = await runPixels(f, { ...run.config.data, masks: false });
    const img = await decodeOrExplain(f);
    const page = portable.resizeSquare(img.data, img.width, img.height, run.config.data.inputSize, run.config.data.resize);
    for (let i = 0; i < ours.length; i++) {
      const d = Math.abs(ours[i] - page[i]);
      max = Math.max(max, d);
      sum += d;
      if (d === 0) equal++;
      n++;
    }
  }
  return { maxLevels: max, meanLevels: sum / n, equalShare: equal / n };
}

async function main(): Promise<void> {
  const runDir = arg('run');
  const out = path.resolve(arg('out', 'results/export'));
  const count = Number(arg('images', '20'));
  fs.mkdirSync(out, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-export-results-'));
  // One export: it measures all three encodings on the validation split. Latency only for float32: tfjs
  // dequantizes float16/uint8 weights to float32 as it loads them, so inference is the same network.
  const dir = path.join(work, 'float32');
  const summary = await exportRun({ runDir, outDir: dir, quantize: 'none', checkpoint: 'best', web: true, log: (l) => process.stderr.write(`${l}\n`) });
  fs.writeFileSync(path.join(out, 'summary.md'), formatExportSummary(summary));
  writeCsv(path.join(out, 'sizes.csv'), ['weights', 'size_mib', 'top1', 'auc', 'max_abs_diff_vs_float32', 'same_top1_vs_float32'],
    summary.rows.map((r) => ({ weights: r.weights, size_mib: r.sizeMiB ?? '', top1: r.top1, auc: r.auc ?? '', max_abs_diff_vs_float32: r.maxAbsDiff ?? '', same_top1_vs_float32: r.sameTop1 ?? '' })));

  const run = openRun(runDir, 'best');
  const files = run.val.slice(0, count).map((i) => run.dataset.samples[i].path);
  const gap = await preprocessingGap(runDir, run.val.map((i) => run.dataset.samples[i].path));

  const browser = await launchChromium(CHROMIUM);
  const latency: Record<string, unknown>[] = [];
  try {
    const { server, url } = await servePage(dir, 0);
    try {
      for (const backend of ['wasm', 'webgl']) {
        try {
          const page = await classifyInPage(browser, url, files, { backend });
          const ms = page.results.map((r) => r.ms);
          latency.push({ weights: 'float32', backend: page.backend, images: ms.length, median_ms: median(ms), min_ms: Math.min(...ms), max_ms: Math.max(...ms) });
        } catch (err) {
          latency.push({ weights: 'float32', backend, images: 0, median_ms: '', min_ms: '', max_ms: '', note: `not offered: ${(err as Error).message.split('\n')[0]}` });
        }
      }
      // The committed screenshot: six cells, so the page fits one screen.
      await classifyInPage(browser, url, files.slice(0, 6), { screenshot: path.join(out, 'page.png') });
    } finally {
      server.close();
    }
  } finally {
    await browser.close();
  }
  writeCsv(path.join(out, 'latency.csv'), ['weights', 'backend', 'images', 'median_ms', 'min_ms', 'max_ms', 'note'], latency.map((r) => ({ note: '', ...r })));
  fs.writeFileSync(path.join(out, 'run.json'), JSON.stringify({ run: run.runDir, model: run.config.model, inputSize: run.config.data.inputSize, task: run.config.data.task,
    preprocessingGap: gap, chromium: CHROMIUM, ...provenance() }, null, 2) + '\n');
  process.stdout.write(formatExportSummary(summary));
  process.stdout.write(`latency: ${JSON.stringify(latency)}\npreprocessing gap: ${JSON.stringify(gap)}\n`);
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : err}\n`);
  process.exit(1);
});
