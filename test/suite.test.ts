import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { RunConfig } from '../src/config/run-config';
import { readCsv } from '../src/util/csv';
import { loadSuite, resolveRunConfig } from '../src/suite/load';
import { OUTPUT_FILES, renderTables } from '../src/suite/outputs';
import { FoldOutcome, FoldRunInterrupted, FoldRunNotStarted, FoldRunsUnfinished, ProbeResult, runSuite, SuitePorts } from '../src/suite/runner';
import { runCli } from './helpers/cli';

const made: string[] = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-suite-'));
  made.push(dir);
  return dir;
}

function writeSuite(dir: string, body: string): string {
  const file = path.join(dir, 'suite.yaml');
  fs.writeFileSync(file, body);
  return file;
}

const SUITE = `
name: mini
title: "Mini Table 4"
layout: table4
reference: resnet18
figure: curves
protocols:
  tiny: { dataset: synthetic, task: classes, folds: 3, inputSize: 32, epochs: 2, backend: cpu, set: { runtime.outDir: RUNS } }
runs:
  - { id: resnet18, label: ResNet-18, paper: ResNet-18, set: { model.name: resnet18 } }
  - { id: dresnet, label: DResNet, paper: DResNet, set: { model.name: dresnet, model.width: 0.5 } }
`;

/** A trainer that trains nothing: each fold's accuracy is a fixed function of model and fold. */
function fakePorts(opts: { failOnCall?: number } = {}): SuitePorts & { calls: RunConfig[] } {
  const calls: RunConfig[] = [];
  const byDir = new Map<string, RunConfig>();
  return {
    calls,
    async trainFold(config) {
      calls.push(config);
      if (opts.failOnCall === calls.length) throw new Error('killed');
      const dir = path.join(config.runtime.outDir, 'run');
      fs.mkdirSync(dir, { recursive: true });
      byDir.set(dir, config);
      return { runDir: dir, outcome: this.collect(dir) };
    },
    collect(runDir): FoldOutcome {
      const config = byDir.get(runDir)!;
      const base = config.model.name === 'dresnet' ? 0.8 : 0.7;
      const top1 = base + 0.01 * Number(config.train.fold);
      return {
        top1, top5: 1, numClasses: 4, seconds: 10, imgPerSec: 100, backend: 'cpu', device: 'cpu', threads: 2, machine: 'test',
        metrics: { sensitivity: 0.9, auc: undefined }, curve: [{ epoch: 1, step: 5, valTop1: 50 }, { epoch: 2, step: 10, valTop1: top1 * 100 }],
      };
    },
    async modelStats(model) {
      const params = model.name === 'dresnet' ? Math.round(2_800_000 * model.width) : 11_689_512;
      return { params, totalParams: params + 1000, sizeMB: (params * 4) / 1e6, sizeMiB: (params * 4) / 2 ** 20, macs: params * 10 };
    },
    async probe(request): Promise<ProbeResult> {
      return {
        peak_rss_infer_mb: request.inputSize, peak_rss_train_mb: 2,
        peak_tensor_infer_mb: 3, peak_tensor_train_mb: 4, latency_ms: 5, train_step_ms: 6,
      };
    },
    log() {},
  };
}

function setup(): { file: string; out: string } {
  const dir = tmpDir();
  const file = writeSuite(dir, SUITE.replace('RUNS', path.join(dir, 'runs')));
  return { file, out: path.join(dir, 'results') };
}

function snapshot(out: string): Record<string, string> {
  const files = [OUTPUT_FILES.sizes, OUTPUT_FILES.runs, OUTPUT_FILES.curves, OUTPUT_FILES.table, OUTPUT_FILES.claims, OUTPUT_FILES.markdown, 'fig6.svg'];
  return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
}

test('a run config resolves as defaults < protocol < run set < fold', () => {
  const { file } = setup();
  const suite = loadSuite(file);
  const config = resolveRunConfig(suite, suite.runs[1], 'tiny', { repeat: 0, fold: 2 });
  assert.equal(config.name, 'mini-dresnet');
  assert.equal(config.model.width, 0.5);
  assert.equal(config.data.inputSize, 32);
  assert.equal(config.data.split.folds, 3);
  assert.equal(config.train.fold, 2);
  assert.equal(config.runtime.backend, 'cpu');
});

test('suite errors name the file, the key and the nearest valid choice', () => {
  const dir = tmpDir();
  const bad = (body: string) => () => loadSuite(writeSuite(dir, body));
  assert.throws(bad(SUITE.replace('layout: table4', 'layout: table4\nrefrence: x')), /suite\.yaml: refrence: unknown key \(did you mean "reference"\?\)/);
  assert.throws(bad(SUITE.replace('reference: resnet18', 'reference: resnet19')), /no run has id "resnet19" \(did you mean "resnet18"\?\)/);
  assert.throws(bad(SUITE.replace('paper: DResNet,', 'paper: DResnet,')), /not a row of the paper's table4 \(did you mean "DResNet"\?\)/);
  assert.throws(bad(SUITE.replace('model.width: 0.5', 'model.widht: 0.5')), /run "dresnet": .*model\.widht: unknown key \(did you mean "model\.width"\?\)/);
  assert.throws(bad(SUITE.replace('epochs: 2', 'epochs: two')), /protocols\.tiny\.epochs: expected an integer >= 1/);
  assert.throws(bad(SUITE.replace('{ id: dresnet', '{ id: resnet18')), /"resnet18" is used twice/);
  const ok = loadSuite(writeSuite(dir, SUITE));
  assert.throws(() => resolveRunConfig(ok, ok.runs[0], 'quik'), /no protocol "quik"/);
});

test('the shipped suites load and every run resolves under every protocol', () => {
  for (const name of ['table3', 'table4', 'ablation']) {
    const suite = loadSuite(path.join(__dirname, '..', '..', 'experiments', `${name}.yaml`));
    assert.deepEqual(Object.keys(suite.protocols).filter((p) => p !== 'ci').sort(), ['paper', 'quick']);
    assert.equal(suite.protocols.paper.inputSize, 224);
  }
  const ablation = loadSuite(path.join(__dirname, '..', '..', 'experiments', 'ablation.yaml'));
  const focal = resolveRunConfig(ablation, ablation.runs[ablation.runs.length - 1], 'quick');
  assert.equal(focal.train.loss.type, 'focal');
  assert.equal(resolveRunConfig(ablation, ablation.runs[0], 'quick').model.conv3x3, 'standard');
});

test('a suite trains every run x fold, aggregates mean ± std, and a second run trains nothing and rewrites identical files', async () => {
  const { file, out } = setup();
  const suite = loadSuite(file);
  const ports = fakePorts();
  const first = await runSuite(suite, { protocol: 'tiny', outDir: out }, ports);
  assert.equal(first.trained.length, 6);
  assert.equal(readCsv(path.join(out, OUTPUT_FILES.runs)).length, 6);
  const table = readCsv(path.join(out, OUTPUT_FILES.table));
  const dres = table.find((r) => r.id === 'dresnet')!;
  assert.equal(dres.top1_pct, '81'); // folds 80, 81, 82
  assert.equal(dres.top1_std, '1');
  assert.equal(dres.paper_top1_pct, '71.9');
  assert.equal(dres.peak_rss_infer_mb, '32');
  assert.match(fs.readFileSync(path.join(out, OUTPUT_FILES.markdown), 'utf8'), /\| DResNet \| 10\.7 \| 5\.6 \| 71\.9 \| 81 ± 1 \|/);
  assert.ok(fs.statSync(path.join(out, 'fig6.png')).size > 1000);

  const before = snapshot(out);
  const again = fakePorts();
  const second = await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out }, again);
  assert.equal(again.calls.length, 0);
  assert.equal(second.reused.length, 6);
  assert.deepEqual(snapshot(out), before);

  fs.rmSync(path.join(out, OUTPUT_FILES.table));
  fs.rmSync(path.join(out, OUTPUT_FILES.markdown));
  await renderTables(loadSuite(file), out);
  assert.deepEqual(snapshot(out), before);
});

test('measureOnly probes the runs with finished fold-runs and trains nothing', async () => {
  const { file, out } = setup();
  const trained = fakePorts();
  await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out, runs: ['dresnet'], folds: [0], probe: false }, trained);
  assert.equal(trained.calls.length, 1);
  const probes: string[] = [];
  const ports = fakePorts();
  const counting: SuitePorts = { ...ports, probe: (request) => { probes.push(request.model.name); return ports.probe(request); } };
  const summary = await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out, measureOnly: true }, counting);
  assert.equal(ports.calls.length, 0, 'nothing trained');
  assert.deepEqual(summary.trained, []);
  assert.deepEqual(probes, ['dresnet'], 'only the run that has a finished fold-run is measured');
  const rows = readCsv(path.join(out, OUTPUT_FILES.runs));
  assert.equal(rows.length, 1);
  assert.equal(rows[0].latency_ms, '5');
});

test('--no-probe keeps a probe of the same model and setup, and drops one taken under other definitions', async () => {
  const { file, out } = setup();
  const probes: string[] = [];
  const counting = (): SuitePorts => {
    const ports = fakePorts();
    return { ...ports, probe: (request) => { probes.push(request.model.name); return ports.probe(request); } };
  };
  await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out }, counting());
  assert.equal(probes.length, 2);
  const probed = readCsv(path.join(out, OUTPUT_FILES.runs));
  assert.ok(probed.every((r) => r.peak_rss_infer_mb === '32' && r.latency_ms === '5'));

  await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out, probe: false }, counting());
  assert.equal(probes.length, 2, 'nothing measured again');
  assert.deepEqual(readCsv(path.join(out, OUTPUT_FILES.runs)), probed, 'the stored figures stay in every row');

  // The probe of one run as if taken under other measuring definitions: --no-probe drops its figures, keeps its sizes.
  const stateFile = path.join(out, OUTPUT_FILES.state);
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  state.probes.dresnet.hash = 'other-definitions';
  fs.writeFileSync(stateFile, JSON.stringify(state));
  await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out, probe: false }, counting());
  assert.equal(probes.length, 2);
  const rows = readCsv(path.join(out, OUTPUT_FILES.runs));
  for (const r of rows.filter((x) => x.run_id === 'dresnet')) {
    assert.equal(r.peak_rss_infer_mb, '');
    assert.equal(r.latency_ms, '');
    assert.equal(r.params, '1400000');
  }
  assert.ok(rows.filter((x) => x.run_id === 'resnet18').every((r) => r.latency_ms === '5'));
});

test('a protocol with trainFolds trains and reports only the first folds of its split', async () => {
  const dir = tmpDir();
  const file = writeSuite(dir, SUITE.replace('RUNS', path.join(dir, 'runs')).replace('folds: 3,', 'folds: 3, trainFolds: 2,'));
  const out = path.join(dir, 'results');
  const ports = fakePorts();
  await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out }, ports);
  assert.deepEqual(ports.calls.map((c) => `${c.model.name}/${c.train.fold}/${c.data.split.folds}`), ['resnet18/0/3', 'resnet18/1/3', 'dresnet/0/3', 'dresnet/1/3']);
  assert.deepEqual(readCsv(path.join(out, OUTPUT_FILES.runs)).map((r) => r.fold), ['0', '1', '0', '1']);
  // A fold trained on request beyond trainFolds stays out of the tables.
  await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out, folds: [2] }, ports);
  assert.equal(ports.calls.length, 6);
  assert.equal(readCsv(path.join(out, OUTPUT_FILES.runs)).length, 4);
  assert.throws(() => loadSuite(writeSuite(dir, SUITE.replace('folds: 3,', 'folds: 3, trainFolds: 4,'))), /protocols\.tiny\.trainFolds: 4 is more than the split's 3 folds/);
});

test('a fold finished under another suite with the same config is reused, not retrained', async () => {
  const { file, out } = setup();
  const ports = fakePorts();
  await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out }, ports);
  // Another suite under the same runs folder sharing one run (DResNet in Tables 3 and 4).
  const otherDir = path.join(path.dirname(file), 'other');
  fs.mkdirSync(otherDir);
  const other = writeSuite(otherDir, fs.readFileSync(file, 'utf8').replace('name: mini', 'name: other').replace('{ id: resnet18, label: ResNet-18, paper: ResNet-18, set: { model.name: resnet18 } }', '{ id: resnet18, label: ResNet-18, paper: ResNet-18, set: { model.name: resnet18, model.width: 0.5 } }'));
  const otherOut = path.join(path.dirname(other), 'results');
  const summary = await runSuite(loadSuite(other), { protocol: 'tiny', outDir: otherOut }, ports);
  assert.deepEqual(summary.trained, ['resnet18/fold0', 'resnet18/fold1', 'resnet18/fold2']);
  assert.deepEqual(summary.reused, ['dresnet/fold0', 'dresnet/fold1', 'dresnet/fold2']);
  const rows = readCsv(path.join(otherOut, OUTPUT_FILES.runs)).filter((r) => r.run_id === 'dresnet');
  assert.deepEqual(rows.map((r) => [r.suite, r.top1_pct]), [['other', '80'], ['other', '81'], ['other', '82']]);
  assert.ok(rows.every((r) => r.run_dir.includes(`${path.sep}mini${path.sep}`)), 'the rows point at the run folders of the suite that trained them');
});

test('a fold finished under another protocol name with the same settings is reused too (the hash holds the config)', async () => {
  const { file, out } = setup();
  const ports = fakePorts();
  await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out }, ports);
  const otherDir = path.join(path.dirname(file), 'renamed');
  fs.mkdirSync(otherDir);
  const renamed = writeSuite(otherDir, fs.readFileSync(file, 'utf8').replace('name: mini', 'name: renamed').replace(/^(\s*)tiny:/m, '$1same:'));
  const summary = await runSuite(loadSuite(renamed), { protocol: 'same', outDir: path.join(otherDir, 'results') }, ports);
  assert.deepEqual(summary.trained, []);
  assert.equal(summary.reused.length, 6);
  assert.equal(ports.calls.length, 6, 'nothing trained a second time');
});

test('a second runner on the same results folder is refused while the first runs; a dead runner\'s lock is taken over', async () => {
  const { file, out } = setup();
  fs.mkdirSync(out, { recursive: true });
  // This process stands in for a live runner.
  fs.writeFileSync(path.join(out, '.lock'), String(process.pid));
  const ports = fakePorts();
  await assert.rejects(runSuite(loadSuite(file), { protocol: 'tiny', outDir: out }, ports), /\.lock: another runner \(pid \d+\) is writing this suite's results/);
  assert.equal(ports.calls.length, 0);
  // A pid that has exited: the lock is stale.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  fs.writeFileSync(path.join(out, '.lock'), dead);
  await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out }, ports);
  assert.equal(ports.calls.length, 6);
  assert.equal(fs.existsSync(path.join(out, '.lock')), false, 'the lock is released');
});

test('a failed fold-run is reported with its run, repeat and fold while the others finish; the next run resumes it and ends with the same tables', async () => {
  const straight = setup();
  await runSuite(loadSuite(straight.file), { protocol: 'tiny', outDir: straight.out }, fakePorts());

  const { file, out } = setup();
  const logged: string[] = [];
  const failing = { ...fakePorts({ failOnCall: 4 }), log: (line: string) => { logged.push(line); } };
  await assert.rejects(
    runSuite(loadSuite(file), { protocol: 'tiny', outDir: out }, failing),
    /mini: 1 of 6 fold-run\(s\) failed .*: dresnet\/fold0 \(run dresnet, repeat 0, fold 0\): killed$/,
  );
  assert.equal(failing.calls.length, 6, 'the fold-runs after the failed one still trained');
  assert.ok(logged.some((l) => /dresnet\/fold0 \(run dresnet, repeat 0, fold 0\) failed: killed/.test(l)), 'the failure is logged when it happens');
  const state = JSON.parse(fs.readFileSync(path.join(out, OUTPUT_FILES.state), 'utf8'));
  assert.equal(state.folds['dresnet/fold0'].status, 'running');
  const resumed = fakePorts();
  const summary = await runSuite(loadSuite(file), { protocol: 'tiny', outDir: out }, resumed);
  assert.deepEqual(summary.trained, ['dresnet/fold0']);
  // The interrupted fold goes back to the same run folder, so the trainer resumes it.
  assert.equal(resumed.calls[0].runtime.outDir, state.folds['dresnet/fold0'].runDir);

  const a = snapshot(straight.out);
  const b = snapshot(out);
  for (const f of Object.keys(a)) {
    if (f !== OUTPUT_FILES.runs) assert.equal(b[f], a[f], f);
  }
  const withoutDir = (dir: string) => readCsv(path.join(dir, OUTPUT_FILES.runs)).map(({ run_dir, ...rest }) => rest);
  assert.deepEqual(withoutDir(out), withoutDir(straight.out));
});

test('after an interruption the error counts the finished and not-started fold-runs and lists the interrupted and failed ones', async () => {
  const { file, out } = setup();
  const logged: string[] = [];
  const base = fakePorts();
  let calls = 0;
  // As the local workers do after Ctrl-C: the running fold-run stops at its checkpoint, no new one starts.
  const interrupted: SuitePorts = {
    ...base,
    trainFold(config, task) {
      calls++;
      if (calls === 2) return Promise.reject(new FoldRunInterrupted(`${config.runtime.outDir}/run: the run was interrupted; run the suite again to resume it`));
      if (calls === 3) return Promise.reject(new Error('disk full'));
      if (calls > 3) return Promise.reject(new FoldRunNotStarted('not started (interrupted)'));
      return base.trainFold.call(base, config, task);
    },
    log: (line: string) => { logged.push(line); },
  };
  await assert.rejects(runSuite(loadSuite(file), { protocol: 'tiny', outDir: out }, interrupted), (err: unknown) => {
    assert.ok(err instanceof FoldRunsUnfinished);
    assert.equal(err.message, [
      'mini: interrupted: 1 of 6 fold-run(s) finished, 1 interrupted mid-training, 3 not started, 1 failed; run the command again to resume',
      '  interrupted (resumes from its checkpoint): resnet18/fold1 (run resnet18, repeat 0, fold 1)',
      '  failed: resnet18/fold2 (run resnet18, repeat 0, fold 2): disk full',
    ].join('\n'));
    return true;
  });
  assert.equal(calls, 6);
  assert.ok(logged.some((l) => /resnet18\/fold1 \(run resnet18, repeat 0, fold 1\) interrupted: .*the run was interrupted/.test(l)), 'the interruption is logged when it happens');
  assert.ok(!logged.some((l) => /not started/.test(l)), 'a not-started fold-run is counted, not logged');
});

test('a changed protocol is refused in a results folder of another protocol', async () => {
  const { file, out } = setup();
  const suite = loadSuite(file);
  await runSuite(suite, { protocol: 'tiny', outDir: out, runs: ['dresnet'], folds: [0] }, fakePorts());
  suite.protocols.other = suite.protocols.tiny;
  await assert.rejects(runSuite(suite, { protocol: 'other', outDir: out }, fakePorts()), /pass --out/);
});

test('compare --sizes-only builds the models without the tfjs-node notice (no backend selected yet)', () => {
  const suite = path.join(__dirname, '..', '..', 'experiments', 'table4.yaml');
  const sized = runCli(['compare', '--suite', suite, '--protocol', 'ci', '--sizes-only', '--out', tmpDir()]);
  assert.equal(sized.code, 0, sized.stderr);
  assert.doesNotMatch(sized.stderr, /tfjs-node|Hi, looks like you are running TensorFlow\.js/);
});

test('the suite commands answer bad input with one line and exit code 2', () => {
  const suite = path.join(__dirname, '..', '..', 'experiments', 'table4.yaml');
  const badProtocol = runCli(['compare', '--suite', suite, '--protocol', 'quik', '--sizes-only']);
  assert.equal(badProtocol.code, 2);
  assert.match(badProtocol.stderr, /no protocol "quik" \(did you mean "quick"\?\)/);
  const nothingToMeasure = runCli(['compare', '--suite', suite, '--measure-only', '--no-probe']);
  assert.equal(nothingToMeasure.code, 2);
  assert.match(nothingToMeasure.stderr, /--measure-only measures memory and latency: it goes with neither --sizes-only nor --no-probe/);
  const badFold = runCli(['ablate', '--folds', '7']);
  assert.equal(badFold.code, 2);
  assert.match(badFold.stderr, /--folds 7: "7" is not a fold of protocol quick \(0\.\.4\)/);
  const noSizes = runCli(['tables', '--suite', suite, '--out', tmpDir()]);
  assert.equal(noSizes.code, 2);
  assert.match(noSizes.stderr, /sizes\.csv is missing: run `dresnet compare .*--sizes-only` first/);
});
