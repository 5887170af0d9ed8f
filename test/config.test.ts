import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// The zoo provides each family's option schema, which the run config validates `model:` against.
import '../src/models';
import { loadRunConfig, parseOverride } from '../src/config/load';
import { closest } from '../src/config/schema';
import { runCli } from './helpers/cli';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-config-'));
}

function writeYaml(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

test('an unknown key names the key, the file and the closest valid key', () => {
  const dir = tempDir();
  const file = writeYaml(dir, 'bad.yaml', 'model:\n  name: dresnet\n  widht: 0.5\n');
  assert.throws(() => loadRunConfig(file), (err: Error) => {
    assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    assert.match(err.message, /model\.widht: unknown key/);
    assert.match(err.message, /did you mean "model\.width"\?/);
    return true;
  });
});

test('a wrong type names the key path and the expected type', () => {
  const dir = tempDir();
  const file = writeYaml(dir, 'bad.yaml', 'model:\n  name: dresnet\ntrain:\n  optimizer:\n    lr: fast\n');
  assert.throws(() => loadRunConfig(file), /train\.optimizer\.lr: expected a number >= 0, got string "fast"/);
  const listFile = writeYaml(dir, 'list.yaml', 'model:\n  name: dresnet\ntrain:\n  schedule:\n    milestones: [10, x]\n');
  assert.throws(() => loadRunConfig(listFile), /train\.schedule\.milestones\[1\]: expected a number >= 0/);
});

test('an error in a base config names the base file, not the child', () => {
  const dir = tempDir();
  const base = writeYaml(dir, 'base.yaml', 'data:\n  inputSize: 8\n');
  const child = writeYaml(dir, 'child.yaml', 'extends: base.yaml\nmodel:\n  name: dresnet\n');
  assert.throws(() => loadRunConfig(child), (err: Error) => err.message.startsWith(`${base}: data.inputSize: expected an integer >= 16`));
});

test('extends deep-merges the child over its bases, and _delete_ replaces a subtree', () => {
  const dir = tempDir();
  writeYaml(dir, 'schedule.yaml', 'train:\n  epochs: 50\n  schedule:\n    type: multistep\n    milestones: [20, 40]\n');
  writeYaml(dir, 'model.yaml', 'model:\n  name: dresnet\n  se: false\n');
  const child = writeYaml(dir, 'run.yaml', [
    'extends: [model.yaml, schedule.yaml]',
    'train:',
    '  epochs: 10',
    'model:',
    '  _delete_: true',
    '  name: resnet18',
  ].join('\n'));
  const cfg = loadRunConfig(child);
  assert.equal(cfg.train.epochs, 10);
  assert.deepEqual(cfg.train.schedule.milestones, [20, 40]);
  assert.equal(cfg.model.name, 'resnet18');
  assert.equal(cfg.model.se, undefined, '_delete_ dropped the base model subtree');
});

test('--set overrides apply last, keep YAML types, and are validated', () => {
  const dir = tempDir();
  const file = writeYaml(dir, 'run.yaml', 'model:\n  name: dresnet\n');
  const cfg = loadRunConfig(file, ['train.epochs=3', 'model.se=false', 'train.schedule.milestones=[1, 2]']);
  assert.equal(cfg.train.epochs, 3);
  assert.equal(cfg.model.se, false);
  assert.deepEqual(cfg.train.schedule.milestones, [1, 2]);
  assert.throws(() => loadRunConfig(file, ['train.epoch=3']), /--set train\.epoch=3: train\.epoch: unknown key \(did you mean "train\.epochs"\?\)/);
  assert.throws(() => parseOverride('noequals'), /expected key\.path=value/);
});

test('circular extends and unreadable files are reported with the file', () => {
  const dir = tempDir();
  const a = writeYaml(dir, 'a.yaml', 'extends: b.yaml\n');
  writeYaml(dir, 'b.yaml', 'extends: a.yaml\n');
  assert.throws(() => loadRunConfig(a), /circular extends/);
  assert.throws(() => loadRunConfig(path.join(dir, 'missing.yaml')), /cannot read config .*missing\.yaml: ENOENT/);
  const broken = writeYaml(dir, 'broken.yaml', 'model: [unclosed\n');
  assert.throws(() => loadRunConfig(broken), /broken\.yaml: invalid YAML/);
});

test('closest() suggests near keys only', () => {
  assert.equal(closest('epoch', ['epochs', 'batchSize']), 'epochs');
  assert.equal(closest('zzzzzzzz', ['epochs', 'batchSize']), undefined);
});

test('`dresnet config show` prints the resolved config; bad use exits non-zero with one line', () => {
  const dir = tempDir();
  const file = writeYaml(dir, 'run.yaml', 'model:\n  name: dresnet\n');
  const ok = runCli(['config', 'show', '--config', file, '--set', 'train.epochs=7']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /epochs: 7/);
  assert.match(ok.stdout, /momentum: 0\.9/, 'defaults are filled in');
  const bad = runCli(['config', 'show', '--config', file, '--set', 'model.width=wide']);
  assert.notEqual(bad.code, 0);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /model\.width: expected a number/);
  const unknownCommand = runCli(['frobnicate']);
  assert.notEqual(unknownCommand.code, 0);
});
