/**
 * Pruned rows of a suite (`prune:` on a run), trained for real on tiny
 * synthetic cells: each fold-run prunes its parent's fold-run of the same
 * slot and fine-tunes it, after the parent has finished; its sizes come from
 * its own plan; its hash follows the parent's, so a changed parent retrains
 * it, with local workers as in process (test/suite-workers.test.ts: on a queue).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readCsv } from '../src/util/csv';
import { readJson } from '../src/util/json';
import { loadSuite } from '../src/suite/load';
import { OUTPUT_FILES } from '../src/suite/outputs';
import { realPorts } from '../src/suite/ports';
import { runSuite, SuitePorts } from '../src/suite/runner';
import type { PruningReport } from '../src/prune';
import { tempDir } from './fixtures/data';
import { prunedSuiteText as suiteText } from './fixtures/suites';
import { runCli } from './helpers/cli';

function counting(calls: string[]): SuitePorts {
  const ports = realPorts({ quiet: true, log: () => {} });
  return { ...ports, trainFold: (config, task) => { calls.push(`${task.runId}/${task.slot.fold}${task.prune ? ' pruned' : ''}`); return ports.trainFold(config, task); } };
}

const rowsOf = (out: string, id: string) => readCsv(path.join(out, OUTPUT_FILES.runs)).filter((r) => r.run_id === id);

test('a pruned row trains after its parent from the parent\'s last checkpoint, is sized by its plan, is reused, and retrains with a changed parent', { timeout: 900_000 }, async (t) => {
  const dir = tempDir(t, 'dresnet-suite-prune-');
  const file = path.join(dir, 'pruned.yaml');
  fs.writeFileSync(file, suiteText(path.join(dir, 'runs')));
  const out = path.join(dir, 'results');

  const calls: string[] = [];
  await runSuite(loadSuite(file), { protocol: 'small', outDir: out, probe: false }, counting(calls));
  assert.deepEqual(calls, ['dresnet/0', 'dresnet/1', 'dresnet-p0.5/0 pruned', 'dresnet-p0.5/1 pruned']);
  const parents = rowsOf(out, 'dresnet');
  const children = rowsOf(out, 'dresnet-p0.5');
  assert.equal(children.length, 2);
  children.forEach((child, fold) => {
    const report = readJson<{ pruning: PruningReport }>(path.join(child.run_dir, 'report.json'));
    assert.equal(report.pruning.parent, path.resolve(parents[fold].run_dir), 'the same slot\'s parent fold-run');
    assert.equal(path.basename(report.pruning.checkpoint), 'last');
    assert.equal(report.pruning.finetuneEpochs, 1);
    assert.notEqual(child.config_hash, parents[fold].config_hash);
  });
  const sizes = readCsv(path.join(out, OUTPUT_FILES.sizes));
  const [full, pruned] = ['dresnet', 'dresnet-p0.5'].map((id) => Number(sizes.find((r) => r.id === id)!.params));
  assert.ok(pruned < full * 0.6, `pruned ${pruned} vs ${full} params at the suite's sizing`);
  assert.equal(readCsv(path.join(out, OUTPUT_FILES.table)).find((r) => r.id === 'dresnet-p0.5')!.params, String(pruned));
  assert.match(fs.readFileSync(path.join(out, OUTPUT_FILES.markdown), 'utf8'), /Pruned rows \(pruned \+ fine-tuned/);

  // Again, with the probe: nothing trains; the pruned row's figures are its pruned model's at the training sizing.
  const again: string[] = [];
  await runSuite(loadSuite(file), { protocol: 'small', outDir: out, probe: true }, counting(again));
  assert.deepEqual(again, []);
  const probed = rowsOf(out, 'dresnet-p0.5')[0];
  const report = readJson<{ pruning: PruningReport }>(path.join(probed.run_dir, 'report.json'));
  assert.equal(Number(probed.total_params), report.pruning.prunedParams);
  assert.ok(Number(probed.latency_ms) > 0 && Number(probed.peak_tensor_infer_mb) > 0);
  assert.ok(Number(probed.peak_tensor_infer_mb) < Number(rowsOf(out, 'dresnet')[0].peak_tensor_infer_mb), 'the probe measured the pruned model');

  // A fresh clone holds the results but no run folders: the pruned row keeps the sizes sizes.csv recorded.
  const sizesFile = path.join(out, 'sizes.csv');
  const sizesBefore = fs.readFileSync(sizesFile, 'utf8');
  assert.match(sizesBefore, /^dresnet-p0\.5,/m);
  const prunedDirs = rowsOf(out, 'dresnet-p0.5').map((r) => r.run_dir);
  prunedDirs.forEach((d) => fs.renameSync(d, `${d}.away`));
  await runSuite(loadSuite(file), { protocol: 'small', outDir: out, sizesOnly: true }, counting([]));
  assert.equal(fs.readFileSync(sizesFile, 'utf8'), sizesBefore);
  prunedDirs.forEach((d) => fs.renameSync(`${d}.away`, d));

  // A clone without runs/: with every pruned fold-run done, the parents' missing folders matter to nobody; a
  // pruned fold-run still to train (fold 0's, dropped from the state) makes its parent train again for its checkpoint.
  const parentDirs = rowsOf(out, 'dresnet').map((r) => r.run_dir);
  parentDirs.forEach((d) => fs.renameSync(d, `${d}.gone`));
  const untouched: string[] = [];
  await runSuite(loadSuite(file), { protocol: 'small', outDir: out, probe: false }, counting(untouched));
  assert.deepEqual(untouched, []);
  const stateFile = path.join(out, OUTPUT_FILES.state);
  const state = readJson<{ folds: Record<string, unknown> }>(stateFile);
  const childKey = Object.keys(state.folds).find((k) => k.startsWith('dresnet-p0.5/') && k.endsWith('fold0'))!;
  delete state.folds[childKey];
  fs.writeFileSync(stateFile, JSON.stringify(state));
  const refilled: string[] = [];
  const logged: string[] = [];
  const ports = counting(refilled);
  await runSuite(loadSuite(file), { protocol: 'small', outDir: out, probe: false }, { ...ports, log: (line) => logged.push(line) });
  assert.deepEqual(refilled, ['dresnet/0', 'dresnet-p0.5/0 pruned']);
  assert.ok(logged.some((l) => /dresnet\/fold0: finished, but its run folder .* is gone .* need its last\/ checkpoint: training it again/.test(l)), logged.join('\n'));
  assert.equal(rowsOf(out, 'dresnet-p0.5').length, 2);
  fs.renameSync(`${parentDirs[1]}.gone`, parentDirs[1]);

  // The parent's config changes: both of its fold-runs and both pruned ones train again, on two local workers.
  fs.writeFileSync(file, suiteText(path.join(dir, 'runs'), ', train.optimizer.lr: 0.02'));
  const res = runCli(['compare', '--suite', file, '--protocol', 'small', '--out', out, '--workers', '2', '--no-probe', '--quiet'], { timeoutMs: 600_000 });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /pruned: 4 fold\(s\) trained, 0 reused/);
  const retrained = rowsOf(out, 'dresnet-p0.5');
  retrained.forEach((child, fold) => {
    assert.notEqual(child.config_hash, children[fold].config_hash);
    const pruning = readJson<{ pruning: PruningReport }>(path.join(child.run_dir, 'report.json')).pruning;
    assert.equal(pruning.parent, path.resolve(rowsOf(out, 'dresnet')[fold].run_dir));
  });
});

test('a pruned run names a run listed before it, a ratio below 1, and no model or data keys of its own', (t) => {
  const dir = tempDir(t, 'dresnet-suite-prune-');
  const bad = (text: string) => () => {
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, text);
    return loadSuite(file);
  };
  const ok = suiteText(dir);
  assert.throws(bad(ok.replace('from: dresnet,', 'from: dresnett,')), /runs\[1\]\.prune\.from: "dresnett" is no run of the suite \(did you mean "dresnet"\?\)/);
  assert.throws(bad(ok.replace('ratio: 0.5', 'ratio: 1')), /runs\[1\]\.prune\.ratio: 1: expected a share of channels to remove, >= 0 and < 1/);
  assert.throws(bad(ok.replace('finetuneEpochs: 1 }', 'finetuneEpochs: 1 }, set: { model.width: 0.5 }')), /runs\[1\]\.set\.model\.width: a pruned run's model and data are its parent's/);
  const swapped = ok.split('\n');
  [swapped[8], swapped[9]] = [swapped[9], swapped[8]];
  assert.throws(bad(swapped.join('\n')), /runs\[0\]\.prune\.from: "dresnet" is not listed before this run/);
});
