import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { runCliInProcess, STACK_FRAME } from './helpers/in-process-cli';
import { runCli } from './helpers/cli';
import { tempDir, writeFolderDataset } from './fixtures/data';
import { createRng } from '../src/util/rng';

/**
 * Property tests (#16): random mutations of a valid config through `config
 * show` and of a valid CSV manifest through `data info` end with exit 0 (the
 * mutation was harmless) or 2 (a user error, one line), never 1 (an internal
 * error) and never with a stack trace. Seeded, so a failure replays.
 */

/** The project's own seeded PRNG, one stream per seed. */
const rng = (seed: number): (() => number) => createRng(seed);

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Values a user could type where any value goes: wrong types, edge numbers, YAML oddities. */
const VALUES: unknown[] = [
  0, -1, 1, 2, 1e308, -1e-308, 0.5, 7, 33, 1000000, Number.NaN, Infinity, -Infinity, '', ' ', 'x', '../../x', '/abs', 'null',
  'dresnet', 'resnet18', 'nosuchmodel', 'all', 'cuda', 'torch', true, false, null, [], [1, 2], ['a'], {}, { a: 1 }, { _delete_: true },
  '.nan', '\u0000', 'ä€😀', 'a'.repeat(300),
];

/** The valid config's key paths (leaves and mappings). */
function keyPaths(tree: unknown, prefix = ''): string[] {
  if (!tree || typeof tree !== 'object' || Array.isArray(tree)) return [];
  return Object.entries(tree as Record<string, unknown>).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return [p, ...keyPaths(v, p)];
  });
}

function setPath(tree: Record<string, unknown>, keyPath: string, value: unknown, remove = false): void {
  const keys = keyPath.split('.');
  let cursor: Record<string, unknown> = tree;
  for (const k of keys.slice(0, -1)) {
    if (!cursor[k] || typeof cursor[k] !== 'object' || Array.isArray(cursor[k])) cursor[k] = {};
    cursor = cursor[k] as Record<string, unknown>;
  }
  if (remove) delete cursor[keys[keys.length - 1]];
  else cursor[keys[keys.length - 1]] = value;
}

/** One random change to a config file's text: at the tree level (a key set, removed, renamed, added) or the byte level. */
function mutateConfig(r: Rand, valid: Record<string, unknown>, text: string): { file: string; sets: string[] } {
  const tree = structuredClone(valid);
  const paths = keyPaths(tree);
  const kind = Math.floor(r() * 9);
  const sets: string[] = [];
  switch (kind) {
    case 0: setPath(tree, pick(r, paths), pick(r, VALUES)); break;
    case 1: setPath(tree, pick(r, paths), undefined, true); break;
    case 2: setPath(tree, `${pick(r, paths)}.${pick(r, ['typo', 'nme', 'extends', '_delete_'])}`, pick(r, VALUES)); break;
    case 3: tree.extends = pick(r, ['missing.yaml', '../nowhere/base.yaml', ['a.yaml', 'b.yaml'], 42, '', 'self.yaml']); break;
    case 4: {
      const cut = text.slice(0, Math.floor(r() * text.length));
      return { file: cut, sets };
    }
    case 5: {
      const bytes = Buffer.from(text);
      for (let i = 0; i < 1 + Math.floor(r() * 4); i++) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
      return { file: bytes.toString('latin1'), sets };
    }
    case 6: return { file: pick(r, ['', '- a\n- b\n', 'just text', '{', 'a: [1', 'a: &x [*x]', '\t bad: indent', '42', 'model: name: x']), sets };
    case 7: sets.push(`${pick(r, paths)}=${pick(r, ['', '[', '{a', '"open', '.nan', '-.inf', 'x: y: z', '~', '1e999', 'null', "'q", '!!binary x'])}`); break;
    default: sets.push(`${pick(r, ['', '=', 'a..b', '1x', 'model', 'model.name', 'runtime.outDir', 'name'])}${pick(r, ['', '=', '=../x', '=1'])}`);
  }
  return { file: YAML.stringify(tree), sets };
}

/** One random change to a manifest's text: rows duplicated, dropped, relabelled, garbled; the header broken. */
function mutateManifest(r: Rand, lines: readonly string[]): string {
  const out = [...lines];
  const row = () => 1 + Math.floor(r() * (out.length - 1));
  switch (Math.floor(r() * 10)) {
    case 0: out.splice(row(), 0, out[row()]); break;
    case 1: out.splice(row(), 1); break;
    case 2: { const i = row(); out[i] = `${out[i].split(',')[0]},${pick(r, ['', 'a_typo', 'b', '"', '"q""', '1', ' '])}`; break; }
    case 3: out[0] = pick(r, ['', 'path', 'label,path', 'file,class', 'PATH,LABEL', 'path,label,extra', '"path",label']); break;
    case 4: { const i = row(); out[i] = `${pick(r, ['', '../../etc/passwd', '/nonexistent.png', 'a/missing.png', 'a', 'a/', '"unterminated', 'a/img0.png'])},a`; break; }
    case 5: out.push(pick(r, [',', ',,,', 'x', '"', '\u0000\u0001', 'a/img0.png,a,b,c'])); break;
    case 6: return out.join('\n').slice(0, Math.floor(r() * out.join('\n').length));
    case 7: return Buffer.from(Array.from({ length: 64 }, () => Math.floor(r() * 256))).toString('latin1');
    case 8: return out.slice(0, 1).join('\n');
    default: { const i = row(); out[i] = out[i].replace(/img\d/, pick(r, ['IMG0', 'img9', 'img0.png/..', 'notes.txt'])); }
  }
  return out.join('\n');
}

function assertUserLevel(res: { code: number; stderr: string }, what: string): void {
  assert.ok(res.code === 0 || res.code === 2, `${what}: exit ${res.code}\n${res.stderr}`);
  assert.doesNotMatch(res.stderr, STACK_FRAME, `${what}: a stack trace on stderr\n${res.stderr}`);
  assert.doesNotMatch(res.stderr, /internal error/, what);
  if (res.code === 2) assert.match(res.stderr, /^dresnet: error: [^\n]+\n|error: /, `${what}: one error line`);
}

const VALID_CONFIG = {
  name: 'fuzz',
  seed: 3,
  model: { name: 'dresnet', width: 0.25 },
  data: { source: 'csv', path: 'list.csv', inputSize: 32, split: { type: 'kfold', folds: 2 } },
  train: { epochs: 1, batchSize: 4, optimizer: { lr: 0.01 } },
  runtime: { backend: 'cpu', outDir: 'runs' },
};

test('300 random mutations of a valid config through config show: exit 0 or 2, never a stack trace', async (t) => {
  const dir = tempDir(t, 'dresnet-fuzz-');
  const file = path.join(dir, 'run.yaml');
  const text = YAML.stringify(VALID_CONFIG);
  fs.writeFileSync(file, text);
  const baseline = await runCliInProcess(['config', 'show', '--config', file]);
  assert.equal(baseline.code, 0, baseline.stderr);
  const r = rng(16);
  const codes = { 0: 0, 2: 0 } as Record<number, number>;
  for (let i = 0; i < 300; i++) {
    const { file: mutated, sets } = mutateConfig(r, VALID_CONFIG, text);
    fs.writeFileSync(file, mutated);
    const res = await runCliInProcess(['config', 'show', '--config', file, ...sets.flatMap((s) => ['--set', s])]);
    assertUserLevel(res, `mutation ${i} (${JSON.stringify(sets)}):\n${mutated.slice(0, 400)}`);
    codes[res.code] = (codes[res.code] ?? 0) + 1;
  }
  // Both outcomes occur, so the mutations are neither all harmless nor all fatal.
  assert.ok(codes[0] > 20 && codes[2] > 20, JSON.stringify(codes));
});

test('300 random mutations of a valid CSV manifest through data info: exit 0 or 2, never a stack trace', async (t) => {
  const dir = tempDir(t, 'dresnet-fuzz-');
  await writeFolderDataset(dir, ['a', 'b'], [3, 3]);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image');
  const lines = ['path,label', ...['a', 'b'].flatMap((c) => [0, 1, 2].map((i) => `${c}/img${i}.png,${c}`))];
  const csv = path.join(dir, 'list.csv');
  const config = path.join(dir, 'run.yaml');
  fs.writeFileSync(config, YAML.stringify({ ...VALID_CONFIG, data: { ...VALID_CONFIG.data, path: csv } }));
  const saved = process.env.DRESNET_CACHE;
  process.env.DRESNET_CACHE = path.join(dir, 'cache');
  t.after(() => (saved === undefined ? delete process.env.DRESNET_CACHE : (process.env.DRESNET_CACHE = saved)));
  fs.writeFileSync(csv, lines.join('\n'));
  const baseline = await runCliInProcess(['data', 'info', '--config', config]);
  assert.equal(baseline.code, 0, baseline.stderr);
  const r = rng(61);
  const codes = { 0: 0, 2: 0 } as Record<number, number>;
  for (let i = 0; i < 300; i++) {
    const mutated = mutateManifest(r, lines);
    fs.writeFileSync(csv, mutated);
    const res = await runCliInProcess(['data', 'info', '--config', config]);
    assertUserLevel(res, `manifest mutation ${i}:\n${mutated.slice(0, 400)}`);
    codes[res.code] = (codes[res.code] ?? 0) + 1;
  }
  assert.ok(codes[0] > 20 && codes[2] > 20, JSON.stringify(codes));
});

test('the same holds in a real process: a few mutated configs through bin/dresnet', (t) => {
  const dir = tempDir(t, 'dresnet-fuzz-');
  const file = path.join(dir, 'run.yaml');
  const r = rng(7);
  const text = YAML.stringify(VALID_CONFIG);
  for (let i = 0; i < 4; i++) {
    const { file: mutated, sets } = mutateConfig(r, VALID_CONFIG, text);
    fs.writeFileSync(file, mutated);
    assertUserLevel(runCli(['config', 'show', '--config', file, ...sets.flatMap((s) => ['--set', s])]), `process mutation ${i}`);
  }
});
