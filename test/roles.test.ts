/**
 * Class roles: declared normal / benign / abnormal classes drive the clinical
 * metrics (abnormal against the rest, benign with the rest), a declared class
 * list fixes the label order and rejects unknown labels, and Herlev's shipped
 * roles give exactly what the old class-name rule gave.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
// The zoo provides the run config with its families' option schemas.
import '../src/models';
import { defaultRunConfig } from '../src/config/load';
import { scanDataset } from '../src/data/dataset';
import { builtInRoles } from '../src/data/roles';
import { createRng } from '../src/util/rng';
import { clinicalMetrics, evaluatePredictions } from '../src/train/metrics';
import { herlevOrSkip, tempDir, writePng } from './fixtures/data';

async function folderOfClasses(dir: string, counts: Record<string, number>): Promise<void> {
  for (const [name, n] of Object.entries(counts)) {
    for (let i = 0; i < n; i++) await writePng(path.join(dir, name, `${name}-${i}.png`), 8, 8, [i * 20, 40, 80]);
  }
}

test('declared roles with a benign class: sensitivity and specificity of a hand-checked confusion', async (t) => {
  const dir = tempDir(t);
  await folderOfClasses(dir, { metaplastic: 1, dyskeratotic: 1, superficial: 1 });
  const cfg = defaultRunConfig(['model.name=dresnet', 'data.source=folder', `data.path=${JSON.stringify(dir)}`,
    'data.roles={superficial: normal, metaplastic: benign, dyskeratotic: abnormal}']);
  const dataset = await scanDataset(cfg.data, { seed: 1 });
  assert.deepEqual(dataset.classes, ['dyskeratotic', 'metaplastic', 'superficial']);
  assert.deepEqual(dataset.roles, ['abnormal', 'benign', 'normal']);
  // Six cells, rows: P(dyskeratotic), P(metaplastic), P(superficial).
  // True abnormal: called abnormal (0.7), missed (0.2). True benign: called abnormal (0.6, a false alarm), not (0.1).
  // True normal: not (0.3), not (0.0). So sensitivity 1/2, specificity 3/4.
  const probs = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.6, 0.4, 0.0], [0.1, 0.8, 0.1], [0.3, 0.1, 0.6], [0.0, 0.1, 0.9]];
  const p = { probs: Float32Array.from(probs.flat()), labels: [0, 0, 1, 1, 2, 2], numClasses: 3 };
  const c = clinicalMetrics(p, dataset.roles)!;
  assert.equal(c.sensitivity, 0.5);
  assert.equal(c.specificity, 0.75);
  assert.equal(c.abnormal, 2);
  assert.equal(c.normal, 4, 'benign cells count with the normal ones');
});

test('without roles the run says once why clinical metrics are off; a synthetic set ships its roles', async (t) => {
  const dir = tempDir(t);
  await folderOfClasses(dir, { a: 2, b: 2 });
  const lines: string[] = [];
  const { loadDataset } = await import('../src/data/dataset');
  const cfg = defaultRunConfig(['model.name=dresnet', 'data.source=folder', `data.path=${JSON.stringify(dir)}`, 'data.inputSize=16', 'data.cache=false']);
  const data = await loadDataset(cfg.data, { seed: 1, log: (l) => lines.push(l) });
  assert.equal(data.roles, undefined);
  assert.equal(lines.filter((l) => l.startsWith('data.roles:')).length, 1);
  assert.match(lines.find((l) => l.startsWith('data.roles:'))!, /sensitivity, specificity and AUC are off/);
  assert.deepEqual(builtInRoles({ source: 'synthetic', task: 'classes', classes: ['grade0', 'grade1', 'grade2'] }), ['normal', 'abnormal', 'abnormal']);
});

test('data.classes fixes the label order; an unknown label, a missing role and an unknown role key are one-line errors', async (t) => {
  const dir = tempDir(t);
  await folderOfClasses(dir, { normal: 1, abnormal: 1, abnormla: 1 });
  const base = ['model.name=dresnet', 'data.source=folder', `data.path=${JSON.stringify(dir)}`];
  const scan = (...set: string[]) => scanDataset(defaultRunConfig([...base, ...set]).data, { seed: 1 });
  await assert.rejects(scan('data.classes=[normal, abnormal]'), /data\.classes: label "abnormla" \(.*abnormla-0\.png\) is not a declared class \(did you mean "abnormal"\?\)/);
  fs.rmSync(path.join(dir, 'abnormla'), { recursive: true });
  const ordered = await scan('data.classes=[normal, abnormal]');
  assert.deepEqual(ordered.classes, ['normal', 'abnormal']);
  assert.ok(ordered.samples.every((s) => ordered.classes[s.label] === path.basename(path.dirname(s.path))));
  await assert.rejects(scan('data.roles={normal: normal}'), /data\.roles: class "abnormal" has no role/);
  await assert.rejects(scan('data.roles={normal: normal, abnormal: abnormal, abnrmal: benign}'), /data\.roles\.abnrmal: no class "abnrmal" \(did you mean "abnormal"\?\)/);
  await assert.rejects(scan('data.classes=[normal, abnormal, benign]'), /data\.classes: class "benign" has no images/);
});

test("Herlev's shipped roles give the same clinical figures as the old class-name rule on both tasks", (t) => {
  const root = herlevOrSkip(t);
  if (!root) return;
  const oldRule = (name: string) => !/^normal($|_)/i.test(name);
  for (const task of ['herlev7', 'herlev2'] as const) {
    const classes = task === 'herlev2' ? ['normal', 'abnormal']
      : ['normal_superficiel', 'normal_intermediate', 'normal_columnar', 'light_dysplastic', 'moderate_dysplastic', 'severe_dysplastic', 'carcinoma_in_situ'];
    const roles = builtInRoles({ source: 'herlev', task, classes })!;
    assert.deepEqual(roles.map((r) => r === 'abnormal'), classes.map(oldRule));
    const rng = createRng(5, classes.length);
    const n = 200;
    const probs = Float32Array.from({ length: n * classes.length }, () => rng());
    for (let i = 0; i < n; i++) {
      const row = probs.subarray(i * classes.length, (i + 1) * classes.length);
      const sum = row.reduce((a, b) => a + b, 0);
      row.forEach((v, c) => { row[c] = v / sum; });
    }
    const labels = Array.from({ length: n }, (_, i) => i % classes.length);
    const m = evaluatePredictions({ probs, labels, numClasses: classes.length }, classes, roles);
    // The old rule, written out: P(abnormal) summed over the classes not named normal*, called at 0.5.
    let tp = 0, tn = 0, pos = 0;
    for (let i = 0; i < n; i++) {
      const score = classes.reduce((s, name, c) => s + (oldRule(name) ? probs[i * classes.length + c] : 0), 0);
      const abnormal = oldRule(classes[labels[i]]);
      if (abnormal) { pos++; if (score >= 0.5) tp++; } else if (score < 0.5) tn++;
    }
    assert.equal(m.clinical!.sensitivity, tp / pos);
    assert.equal(m.clinical!.specificity, tn / (n - pos));
  }
});
