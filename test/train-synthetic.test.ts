import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCsv } from '../src/util/csv';
import { packageRoot } from '../src/util/files';
import { runCli } from './helpers/cli';

/**
 * Issue 5's must-show: `dresnet train` with DResNet at a small input learns
 * the synthetic cells on the pure-JS `cpu` backend. The quick start itself
 * (width 0.25, 32x32, 4 classes x 40 images, 8 epochs of batches of 16) is the
 * run: it must end at >= 90% validation top-1, at most 3 of its 32 validation
 * images wrong (over seeds 42 and 1-15 it ended at 93.8-100%, mean 98.0%;
 * seed 42, the config's, at 100%).
 * The run is 1024 training + 256 validation images. On the `cpu` backend with
 * src/backend/cpu's kernels this test takes about 26 s on the quiet 2-core
 * machine (training at about 48 img/s); with tfjs's own cpu kernels the
 * earlier, smaller quick start (640 + 160 images) took 130 s there (5 img/s;
 * its Conv2DBackpropFilter, TensorBuffer.get per element, was 40% of a step).
 * The timeout leaves room for a machine loaded several times over.
 */
test('dresnet train, quick start on cpu: final validation top-1 >= 90%', { timeout: 180_000 }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-synth-'));
  try {
    const quickstart = path.join(packageRoot(), 'configs', 'quickstart.yaml');
    const res = runCli(['train', '--config', quickstart, '--backend', 'cpu', '--quiet', '--out', out],
      { timeoutMs: 170_000 });
    assert.equal(res.code, 0, `dresnet train failed:\n${res.stdout}\n${res.stderr}`);
    const runs = fs.readdirSync(out).filter((d) => fs.existsSync(path.join(out, d, 'metrics.csv')));
    assert.equal(runs.length, 1, `one run folder in ${out}`);
    const runDir = path.join(out, runs[0]);
    const rows = readCsv(path.join(runDir, 'metrics.csv'));
    const config = fs.readFileSync(path.join(runDir, 'config.yaml'), 'utf8');
    const epochs = Number(/^\s*epochs:\s*(\d+)/m.exec(config)?.[1]);
    assert.equal(rows.length, epochs, 'one metrics row per epoch');
    const last = rows[rows.length - 1];
    const top1 = Number(last.val_top1);
    assert.ok(top1 >= 0.9, `final val top-1 ${top1} < 0.90; metrics:\n${rows.map((r) => JSON.stringify(r)).join('\n')}`);
    const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8'));
    assert.equal(report.backend, 'cpu');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
