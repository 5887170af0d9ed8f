import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadRunConfig } from '../src/config/load';
import { reportError } from '../src/cli/index';
import { trainRun } from '../src/train/trainer';
import { atomicWriteFile, packageRoot, removeStaleTemps } from '../src/util/files';
import { runCliInProcess, STACK_FRAME } from './helpers/in-process-cli';
import { runCli } from './helpers/cli';
import { tempDir } from './fixtures/data';

/**
 * #16's crashes and late checks, each set up first: bad --set values, a
 * missing base, NaN in a config, an unknown model, --out naming a file,
 * damaged checkpoints, a checkpoint that does not fit the config, a full
 * disk, leftovers of killed processes, two processes on one run folder,
 * internal errors without DRESNET_DEBUG.
 */
const QUICKSTART = path.join(packageRoot(), 'configs', 'quickstart.yaml');
const TINY = [
  'runtime.backend=cpu', 'model.width=0.125', 'data.inputSize=32', 'data.synthetic.classes=4', 'data.synthetic.perClass=8',
  'data.synthetic.imageSize=32', 'train.batchSize=8', 'train.epochs=2', 'train.fold=0',
];
const tinySets = (extra: string[] = []) => [...TINY, ...extra].flatMap((s) => ['--set', s]);

function assertOneLine(res: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(res.code, 2, res.stderr);
  assert.match(res.stderr, pattern);
  assert.doesNotMatch(res.stderr, STACK_FRAME);
  assert.equal(res.stderr.trim().split('\n').filter((l) => l.startsWith('dresnet: error:')).length, 1, res.stderr);
}

test('config errors are one line naming file, key and value, before any data loads or folder exists', async (t) => {
  const dir = tempDir(t, 'dresnet-cfg-');
  const out = path.join(dir, 'runs');
  // A --set value that is not YAML was an internal error.
  assertOneLine(await runCliInProcess(['config', 'show', '-c', QUICKSTART, '--set', 'train.epochs=[1']), /--set train\.epochs=\[1: the value is not valid YAML/);
  // .nan was reported as "got number null".
  assertOneLine(await runCliInProcess(['config', 'show', '-c', QUICKSTART, '--set', 'train.optimizer.lr=.nan']), /train\.optimizer\.lr: expected a number >= 0, got number NaN/);
  // A missing base names the file that asked for it.
  const child = path.join(dir, 'child.yaml');
  fs.writeFileSync(child, 'extends: _base_/nowhere.yaml\nname: x\nmodel: {name: dresnet}\n');
  assertOneLine(await runCliInProcess(['config', 'show', '-c', child]), new RegExp(`${child}: extends: "_base_/nowhere\\.yaml": no such file`));
  // An unknown model was found only after the data loaded (with a run folder left behind); here the data path does not even exist.
  const bad = ['--set', 'model.name=dresnett', '--set', 'data.source=folder', '--set', `data.path=${path.join(dir, 'no-data')}`, '--out', out];
  const unknown = await runCliInProcess(['train', '-c', QUICKSTART, ...bad]);
  // The zoo checks the name as the config is read: the error names the --set that gave it and the key.
  assertOneLine(unknown, /--set model\.name=dresnett: model\.name: unknown model "dresnett" \(did you mean "dresnet"\?\)/);
  assert.ok(!fs.existsSync(out), 'no run folder for a config that cannot build its model');
  assertOneLine(await runCliInProcess(['config', 'show', '-c', QUICKSTART, '--set', 'model.groups=true']), /model: model dresnet option "groups": expected|model\.groups: expected an integer/);
  // --out naming a regular file.
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'x');
  assertOneLine(await runCliInProcess(['train', '-c', QUICKSTART, '--out', file]), /runtime\.outDir: .*a-file is a file, not a folder/);
  // The bad-image hint suggests --skip-bad: train takes it now.
  const help = await runCliInProcess(['train', '--help']);
  assert.match(help.stdout, /--skip-bad/);
});

test('internal errors print one line, their stack only with DRESNET_DEBUG=1', () => {
  const lines: string[] = [];
  const saved = process.env.DRESNET_DEBUG;
  try {
    delete process.env.DRESNET_DEBUG;
    assert.equal(reportError(new TypeError('boom'), (l) => lines.push(l)), 1);
    assert.match(lines[0], /^dresnet: internal error: TypeError: boom \(run with DRESNET_DEBUG=1 for the stack trace\)\n$/);
    process.env.DRESNET_DEBUG = '1';
    reportError(new TypeError('boom'), (l) => lines.push(l));
    assert.match(lines[1], STACK_FRAME);
    // A file-system error the user can fix is theirs: exit 2, the path named.
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: '/x/weights.bin' });
    assert.equal(reportError(full, (l) => lines.push(l)), 2);
    assert.match(lines[2], /^dresnet: error: \/x\/weights\.bin: no space left on the device \(ENOSPC, write\)\n$/);
  } finally {
    if (saved === undefined) delete process.env.DRESNET_DEBUG;
    else process.env.DRESNET_DEBUG = saved;
  }
});

/** A tiny run stopped after epoch 1: last/ and best/ at epoch 1, resumable. */
async function stoppedRun(root: string, name: string): Promise<string> {
  const config = loadRunConfig(QUICKSTART, [...TINY, `runtime.outDir=${root}`]);
  const run = await trainRun(config, { progress: 'silent', runDir: path.join(root, name), stopAfterEpoch: 1 });
  assert.equal(run.status, 'interrupted');
  return run.runDir;
}

function copyRun(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  return to;
}

test('damaged checkpoints and mismatched configs are user errors naming the file and what differs', async (t) => {
  const root = tempDir(t, 'dresnet-ckpt-');
  const env = { DRESNET_CACHE: path.join(root, 'cache') };
  process.env.DRESNET_CACHE = env.DRESNET_CACHE;
  t.after(() => delete process.env.DRESNET_CACHE);
  const base = await stoppedRun(root, 'base');
  const damage: [string, (dir: string) => void, RegExp][] = [
    ['truncated weights.bin', (d) => fs.truncateSync(path.join(d, 'last', 'weights.bin'), 100), /last\/weights\.bin: damaged checkpoint file: 100 bytes, its manifest describes \d+/],
    ['NaN weights', (d) => {
      const f = path.join(d, 'last', 'weights.bin');
      const bytes = fs.readFileSync(f);
      new Float32Array(bytes.buffer, bytes.byteOffset, 16).fill(Number.NaN);
      fs.writeFileSync(f, bytes);
    }, /last\/weights\.bin: damaged checkpoint file: weight 0 .* holds NaN or Infinity.*best looks intact|best \(epoch 1\) looks intact: copy it over/],
    ['garbage model.json', (d) => fs.writeFileSync(path.join(d, 'last', 'model.json'), '{"weightsManifest": 7'), /last\/model\.json: damaged checkpoint file/],
    ['truncated optimizer.bin', (d) => fs.truncateSync(path.join(d, 'last', 'optimizer.bin'), 3), /last\/optimizer\.bin: damaged checkpoint file: 3 bytes/],
    ['garbage state.json', (d) => fs.writeFileSync(path.join(d, 'last', 'state.json'), '{"epoch": "one"}'), /last\/state\.json: damaged checkpoint file: expected epoch/],
  ];
  for (const [what, spoil, pattern] of damage) {
    const dir = copyRun(base, path.join(root, what.replace(/\W+/g, '-')));
    spoil(dir);
    const res = await runCliInProcess(['train', '--resume', dir, '--quiet']);
    assertOneLine(res, pattern);
  }
  // eval with a config that no longer fits the checkpoint says what differs.
  const edited = copyRun(base, path.join(root, 'edited'));
  const cfgFile = path.join(edited, 'config.yaml');
  fs.writeFileSync(cfgFile, fs.readFileSync(cfgFile, 'utf8').replace('width: 0.125', 'width: 0.25'));
  assertOneLine(await runCliInProcess(['eval', '--run', edited, '--checkpoint', 'best', '--quiet']), /best: the checkpoint does not match the run's config: width: checkpoint 0\.125, config 0\.25/);
  assertOneLine(await runCliInProcess(['train', '--resume', edited, '--quiet']), /last: the checkpoint does not match the run's config: width: checkpoint 0\.125, config 0\.25/);
  const split = JSON.parse(fs.readFileSync(path.join(edited, 'split.json'), 'utf8')) as { root: string; samples: { path: string }[] };
  const image = path.resolve(split.root, split.samples[0].path);
  assertOneLine(await runCliInProcess(['predict', '--run', edited, '--checkpoint', 'best', image]), /best: the checkpoint does not match the run's config: width: checkpoint 0\.125, config 0\.25/);
});

test('leftovers: a failed atomic write removes its temp file; temps of killed processes are cleaned, a live one\'s kept', async (t) => {
  const root = tempDir(t, 'dresnet-tmp-');
  // Renaming over a non-empty folder fails after the temp file is written.
  fs.mkdirSync(path.join(root, 'target', 'inside'), { recursive: true });
  assert.throws(() => atomicWriteFile(path.join(root, 'target'), 'data'));
  assert.deepEqual(fs.readdirSync(root), ['target']);
  // A pid that no longer runs: a child that has exited.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  for (const f of [`.metrics.csv.${dead}.tmp`, `last.tmp-${dead}`, `.metrics.csv.${process.pid}.tmp`]) fs.mkdirSync(path.join(root, f));
  assert.deepEqual(removeStaleTemps(root).map((p) => path.basename(p)).sort(), [`.metrics.csv.${dead}.tmp`, `last.tmp-${dead}`]);
  assert.ok(fs.existsSync(path.join(root, `.metrics.csv.${process.pid}.tmp`)), "a live process's temp is kept");
});

test('one process per run folder: a second train on it (another suite\'s fold, a second --resume) is refused while the first lives', async (t) => {
  const root = tempDir(t, 'dresnet-lock-');
  process.env.DRESNET_CACHE = path.join(root, 'cache');
  t.after(() => delete process.env.DRESNET_CACHE);
  const runDir = path.join(root, 'suite-fold', 'run');
  fs.mkdirSync(runDir, { recursive: true });
  const holder = spawn('sleep', ['60']);
  t.after(() => holder.kill());
  fs.writeFileSync(path.join(runDir, '.lock'), String(holder.pid));
  const config = loadRunConfig(QUICKSTART, [...TINY, `runtime.outDir=${root}`]);
  // As the suite runner's port calls it: into the fold's run folder.
  await assert.rejects(trainRun(config, { progress: 'silent', runDir }), new RegExp(`\\.lock: another dresnet process \\(pid ${holder.pid}\\) is writing the run folder`));
  assert.deepEqual(fs.readdirSync(runDir), ['.lock'], 'nothing written into the locked folder');
  holder.kill();
  await new Promise((r) => holder.on('exit', r));
  // Its holder gone, the lock is taken over.
  const run = await trainRun(loadRunConfig(QUICKSTART, [...TINY, 'train.epochs=1', `runtime.outDir=${root}`]), { progress: 'silent', runDir });
  assert.equal(run.status, 'completed');
  assert.ok(!fs.existsSync(path.join(runDir, '.lock')), 'released at the end');
});

test('a full disk while checkpointing (a 400 kB tmpfs) is one line naming the file, and leaves no temp folder', async (t) => {
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-tmpfs-'));
  const root = tempDir(t, 'dresnet-full-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=400k', 'tmpfs', mnt]).status === 0;
  t.after(() => {
    if (mounted) spawnSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  });
  if (!mounted) {
    if (process.env.CI === 'true') assert.fail('cannot mount a tmpfs (needs root); CI requires this test');
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  const res = runCli(['train', '-c', QUICKSTART, ...tinySets(), '--out', mnt, '--quiet'], { env: { DRESNET_CACHE: path.join(root, 'cache') }, timeoutMs: 300_000 });
  assertOneLine(res, /(best|last)\.tmp-\d+\/[\w.]+: no space left on the device \(ENOSPC/);
  const [runDir] = fs.readdirSync(mnt);
  assert.deepEqual(fs.readdirSync(path.join(mnt, runDir)).filter((f) => /tmp/.test(f)), [], 'no temp file or folder left');
});
