/**
 * A suite on the user's own data: a CSV manifest, no paper figures, the
 * suite's own claims; its table has no paper columns and no top-5 with 3
 * classes, and a finished `dresnet train` run of the same config is adopted
 * instead of trained again.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readCsv } from '../src/util/csv';
import { loadSuite, resolveRunConfig } from '../src/suite/load';
import { OUTPUT_FILES } from '../src/suite/outputs';
import { realPorts } from '../src/suite/ports';
import { runSuite } from '../src/suite/runner';
import { trainRun } from '../src/train/trainer';
import { tempDir, writePng } from './fixtures/data';

async function csvDataset(dir: string): Promise<string> {
  const lines = ['path,label'];
  const colours: Record<string, [number, number, number]> = { koilocytotic: [200, 40, 60], parabasal: [40, 180, 60], superficial: [40, 60, 200] };
  for (const [label, rgb] of Object.entries(colours)) {
    for (let i = 0; i < 8; i++) {
      const file = path.join('cells', `${label}-${i}.png`);
      await writePng(path.join(dir, file), 24, 24, [rgb[0] + i * 3, rgb[1], rgb[2]]);
      lines.push(`${file},${label}`);
    }
  }
  const manifest = path.join(dir, 'cells.csv');
  fs.writeFileSync(manifest, `${lines.join('\n')}\n`);
  return manifest;
}

test('a suite on a CSV dataset renders a table without paper columns, decides its own claims, and adopts a finished train run', async (t) => {
  const dir = tempDir(t);
  const manifest = await csvDataset(dir);
  const runs = path.join(dir, 'runs');
  const suiteFile = path.join(dir, 'mine.yaml');
  fs.writeFileSync(suiteFile, [
    'name: mine',
    'title: My cells',
    'layout: custom',
    'sizing: { classes: 3, inputSize: 32 }',
    'protocols:',
    `  small: { dataset: csv, task: classes, folds: 2, inputSize: 32, epochs: 1, batchSize: 8, seed: 4, threads: 1, set: { data.path: ${JSON.stringify(manifest)}, runtime.outDir: ${JSON.stringify(runs)},`,
    '          data.roles.koilocytotic: abnormal, data.roles.parabasal: benign, data.roles.superficial: normal } }',
    'runs:',
    '  - { id: shuffle, label: ShuffleNet v2 @.5, set: { model.name: shufflenet_v2, model.width: 0.5 } }',
    '  - { id: mobile, label: MobileNet v2 @.25, set: { model.name: mobilenet_v2, model.width: 0.25 } }',
    'claims:',
    '  - { claim: ShuffleNet is within 50 pp of MobileNet, a: shuffle, b: mobile, rule: equivalent, margin: 50, reason: a loose check }',
    '',
  ].join('\n'));
  const suite = loadSuite(suiteFile);
  // The user trained fold 0 of the first run before writing the suite.
  const own = resolveRunConfig(suite, suite.runs[0], 'small', { repeat: 0, fold: 0 });
  const trained = await trainRun({ ...own, name: 'my-earlier-run' }, { progress: 'silent' });
  const ports = realPorts({ quiet: true, log: () => {} });
  const calls: string[] = [];
  const counting: typeof ports = {
    ...ports,
    trainFold: (config, task) => {
      calls.push(`${config.model.name}/${config.train.fold}`);
      return ports.trainFold(config, task);
    },
  };
  const out = path.join(dir, 'results');
  const summary = await runSuite(suite, { protocol: 'small', outDir: out, probe: false }, counting);
  assert.deepEqual(calls, ['shufflenet_v2/1', 'mobilenet_v2/0', 'mobilenet_v2/1'], 'fold 0 of the first run is adopted, not trained');
  assert.ok(summary.reused.includes('shuffle/fold0'));
  const rows = readCsv(path.join(out, OUTPUT_FILES.runs));
  assert.equal(path.resolve(rows.find((r) => r.run_id === 'shuffle' && r.fold === '0')!.run_dir), trained.runDir);
  const md = fs.readFileSync(path.join(out, OUTPUT_FILES.markdown), 'utf8');
  assert.doesNotMatch(md, /paper/i, 'no paper columns or paper claims');
  assert.doesNotMatch(md, /Top-5/, 'top-5 only with more than 5 classes');
  assert.match(md, /\| Model \| Size\/MB \| Top-1\/% \| Sensitivity\/% \| Specificity\/% \| AUC \|/);
  assert.match(md, /## Claims on our runs/);
  assert.match(md, /\| ShuffleNet is within 50 pp of MobileNet \| −50 < A − B < 50 pp \(TOST, 90% CI inside ±50\): a loose check \| [-+]\d/);
  const claims = readCsv(path.join(out, OUTPUT_FILES.claims));
  assert.equal(claims.length, 1);
  assert.ok(['holds', 'inconclusive', 'contradicted'].includes(claims[0].verdict));
});

test('a custom suite refuses paper rows and claims about unknown runs or without a margin', (t) => {
  const dir = tempDir(t);
  const write = (extra: string[]) => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, ['name: bad', 'title: Bad', 'layout: custom', 'protocols: { p: { epochs: 1 } }', ...extra, ''].join('\n'));
    return file;
  };
  assert.throws(() => loadSuite(write(['runs: [{ id: a, label: A, paper: DResNet, set: { model.name: dresnet } }]'])), /runs\[0\]\.paper: a custom suite has no paper rows/);
  assert.throws(() => loadSuite(write(['runs: [{ id: a, label: A, set: { model.name: dresnet } }]', 'claims: [{ claim: x, a: a, b: zz, rule: greater }]'])), /claims\[0\]\.b: no run has id "zz"/);
  assert.throws(() => loadSuite(write(['runs: [{ id: a, label: A, set: { model.name: dresnet } }]', 'claims: [{ claim: x, a: a, b: a, rule: equivalent }]'])), /claims\[0\]\.margin: a equivalent claim needs a margin/);
});
