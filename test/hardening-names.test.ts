import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yazl from 'yazl';
import { checkSafeName, insideRoot, isSafeName } from '../src/util/safe-names';
import { packageRoot } from '../src/util/files';
import { runCliInProcess } from './helpers/in-process-cli';

/**
 * Names that become paths (#16): one safe pattern, and no command writes
 * outside the folder it was given, whatever the names in its input.
 */
const HOSTILE = ['../../escape', '/tmp/escape-abs', '..', '.', '', 'a/b', 'x\\..\\..\\y', '.hidden', ' lead', 'new\nline', 'a'.repeat(101)];
const QUICKSTART = path.join(packageRoot(), 'configs', 'quickstart.yaml');
const TINY = [
  'runtime.backend=cpu', 'model.width=0.125', 'data.inputSize=32', 'data.synthetic.classes=4', 'data.synthetic.perClass=8',
  'data.synthetic.imageSize=32', 'train.batchSize=8', 'train.epochs=1', 'train.fold=0',
].flatMap((s) => ['--set', s]);

test('the safe-name pattern and the inside-root proof', () => {
  for (const bad of HOSTILE) assert.equal(isSafeName(bad), false, JSON.stringify(bad));
  for (const good of ['quickstart', 'table3-dresnet', 'run_2.v1', 'A', '0']) assert.equal(isSafeName(good), true, good);
  assert.throws(() => checkSafeName('../x', 'configs/x.yaml: name'), /^UserError: configs\/x\.yaml: name: "\.\.\/x" cannot be used as a file name/);
  assert.equal(insideRoot('/r', '/r/a/b', 'k'), '/r/a/b');
  assert.throws(() => insideRoot('/r', '/r/../s', 'name'), /name: \/r\/\.\.\/s lies outside \/r/);
  assert.throws(() => insideRoot('/r', '/rs', 'name'), /lies outside/);
});

/** Every file and folder below `dir` (relative paths), skipping the folders named in `skip`. */
function listTree(dir: string, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (skip.includes(full)) continue;
      out.push(path.relative(dir, full));
      if (e.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out.sort();
}

function writeSuite(file: string, name: string, runId: string): void {
  fs.writeFileSync(file, [
    `name: ${JSON.stringify(name)}`, 'title: "t"', 'layout: table4', 'reference: r1',
    'protocols:', '  tiny: { dataset: synthetic, task: classes, folds: 2, inputSize: 32, epochs: 1, backend: cpu }',
    'runs:', `  - { id: ${JSON.stringify(runId)}, label: R, set: { model.name: dresnet, model.width: 0.125 } }`,
    '  - { id: r1, label: R1, set: { model.name: dresnet, model.width: 0.125 } }', '',
  ].join('\n'));
}

function writeZip(file: string, entries: [string, Buffer][]): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name, { compress: false });
  zip.end();
  return new Promise((resolve, reject) => zip.outputStream.pipe(fs.createWriteStream(file)).on('close', resolve).on('error', reject));
}

test('no command writes outside its output roots, whatever names it is given', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-names-'));
  const root = path.join(tmp, 'root');
  fs.mkdirSync(root);
  const cwd = process.cwd();
  const savedCache = process.env.DRESNET_CACHE;
  process.chdir(root);
  process.env.DRESNET_CACHE = path.join(root, 'cache');
  t.after(() => {
    process.chdir(cwd);
    if (savedCache === undefined) delete process.env.DRESNET_CACHE;
    else process.env.DRESNET_CACHE = savedCache;
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const repo = packageRoot();
  const repoSkip = ['node_modules', '.git', 'dist', 'native', '.cache', 'runs'].map((d) => path.join(repo, d));
  const repoBefore = listTree(repo, repoSkip);
  const outsideBefore = listTree(tmp, [root]);

  const refused: string[] = [];
  const expectRefused = async (args: string[], pattern: RegExp) => {
    const res = await runCliInProcess(args);
    assert.equal(res.code, 2, `${args.join(' ')}\n${res.stderr}`);
    assert.match(res.stderr, pattern, args.join(' '));
    refused.push(args.join(' '));
  };
  for (const name of HOSTILE) {
    const set = ['--set', `name=${JSON.stringify(name)}`];
    await expectRefused(['train', '-c', QUICKSTART, ...TINY, ...set, '--out', path.join(root, 'runs')], /name: .* cannot be used as a file name/);
    await expectRefused(['config', 'show', '-c', QUICKSTART, ...set], /name: .* cannot be used as a file name/);
    const suite = path.join(root, 'suite.yaml');
    writeSuite(suite, name, 'r0');
    await expectRefused(['compare', '--suite', suite, '--protocol', 'tiny', '--sizes-only', '--no-probe', '--out', path.join(root, 'results')], /suite\.yaml: name: .* cannot be used/);
    writeSuite(suite, 'mini', name);
    await expectRefused(['ablate', '--suite', suite, '--protocol', 'tiny', '--sizes-only', '--no-probe', '--out', path.join(root, 'results')], /runs\[0\]\.id: .* cannot be used|runs\[0\]\.id|id/);
  }
  // A zip whose entries try to climb out, and a Herlev-like one with a hostile file name inside a class folder.
  const fakeBmp = Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]);
  const zip = path.join(root, 'evil.zip');
  await writeZip(zip, [['top/normal_columnar/..%2f..%2fescape.bmp', fakeBmp], ['top/normal_columnar/a.bmp', fakeBmp]]);
  const imported = await runCliInProcess(['data', 'import', 'herlev', zip, '--out', path.join(root, 'imported')]);
  assert.equal(imported.code, 2, imported.stderr);
  // Commands that do write, each into the folder it was given.
  const synth = await runCliInProcess(['data', 'synth', '--out', path.join(root, 'synth'), '-n', '4', '-k', '2', '--size', '32']);
  assert.equal(synth.code, 0, synth.stderr);
  const trained = await runCliInProcess(['train', '-c', QUICKSTART, ...TINY, '--set', 'name=ok', '--out', path.join(root, 'runs'), '--quiet']);
  assert.equal(trained.code, 0, trained.stderr);
  const [runDir] = fs.readdirSync(path.join(root, 'runs')).map((d) => path.join(root, 'runs', d));
  const evaluated = await runCliInProcess(['eval', '--run', runDir, '--quiet']);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const info = await runCliInProcess(['info', 'dresnet', '--input', '32', '--classes', '4', '--out', path.join(root, 'info.txt')]);
  assert.equal(info.code, 0, info.stderr);

  assert.deepEqual(listTree(tmp, [root]), outsideBefore, 'nothing written beside the root');
  assert.deepEqual(listTree(repo, repoSkip), repoBefore, 'nothing written into the checkout');
  const written = listTree(root);
  const roots = ['runs', 'synth', 'cache', 'info.txt', 'suite.yaml', 'evil.zip'];
  const stray = written.filter((f) => !roots.some((r) => f === r || f.startsWith(`${r}${path.sep}`)));
  assert.deepEqual(stray, [], `files outside the output roots: ${stray}`);
  assert.ok(written.some((f) => f.startsWith(path.join('runs', 'ok-'))), 'the safe run was written under --out');
  assert.equal(refused.length, HOSTILE.length * 4);
  t.diagnostic(`${refused.length} hostile invocations refused; ${written.length} paths written, all under ${roots.join(', ')}`);
});
