import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkClaims } from '../src/report/claims';
import { buildTableRows, FoldRow, meanStd, SizeRow, TableSpec, tableMarkdown, runContext } from '../src/report/tables';

const size = (id: string, paper: string, sizeMB: number): SizeRow => ({
  id, label: paper, paper, params: sizeMB * 250_000, totalParams: sizeMB * 250_000, sizeMB, sizeMiB: sizeMB / 1.048576, macs: 1e6,
});

const folds = (id: string, top1: number[]): FoldRow[] =>
  top1.map((t, fold) => ({ run_id: id, fold: String(fold), top1_pct: String(t), protocol: 'quick', seconds: '60' }));

test('meanStd uses the sample standard deviation and skips missing values', () => {
  assert.deepEqual(meanStd([1, 2, 3]), { mean: 2, std: 1, n: 3 });
  assert.deepEqual(meanStd([5, NaN]), { mean: 5, std: 0, n: 1 });
  assert.equal(meanStd([]), undefined);
});

test('Table 3 rows: compression and error are relative to the reference run', () => {
  const spec: TableSpec = { name: 't3', title: 'T3', layout: 'table3', reference: 'r50', sizing: { classes: 1000, inputSize: 224 } };
  const rows = buildTableRows(spec, [size('r50', 'ResNet-50', 100), size('d', 'DResNet', 11)], [...folds('r50', [90, 92]), ...folds('d', [88, 88])]);
  assert.equal(rows[0].compression_pct, undefined);
  assert.equal(rows[1].compression_pct, 11);
  assert.equal(rows[1].error_pct, -3);
  assert.equal(rows[1].paper_accuracy_pct, 93.6);
  assert.equal(rows[0].accuracy_std, 1.41);
  const md = tableMarkdown(spec, rows, runContext([...folds('r50', [90, 92]), ...folds('d', [88, 88])], 10));
  assert.match(md, /\| DResNet \| 11\.2 \| 11\.0 \| 10\.4 \| 11 \| 93\.6 \| 88 ± 0 \| -0\.9 \| -3 \|/);
  assert.match(md, /4 of 10 run × fold trainings done; training wall time 4 min/);
});

test('ablation rows: each step is compared with the step before it and with the baseline', () => {
  const spec: TableSpec = { name: 'a', title: 'A', layout: 'ablation', reference: 'base', sizing: { classes: 1000, inputSize: 224 } };
  const sizes = [size('base', 'baseline', 100), size('sep', 'separable', 30), size('ms', 'multiScale', 10)];
  const rows = buildTableRows(spec, sizes, [...folds('base', [80]), ...folds('sep', [78]), ...folds('ms', [79.5])]);
  assert.equal(rows[1].step_delta_pct, -2);
  assert.equal(rows[2].step_delta_pct, 1.5);
  assert.equal(rows[2].delta_pct, -0.5);
  assert.equal(rows[2].paper_delta_pct, 0.8);
  const verdicts = Object.fromEntries(checkClaims('ablation', rows).map((c) => [c.claim, c.verdict]));
  assert.equal(verdicts['depthwise-separable 3x3 alone lowers accuracy'], 'holds');
  assert.equal(verdicts['multi-scale squeeze-expand improves accuracy'], 'holds');
  assert.equal(verdicts['focal loss improves accuracy'], 'not measured yet');
});

test('Table 4 claims: verdicts follow the sign of our differences, and small ones are flagged against the fold std', () => {
  const spec: TableSpec = { name: 't4', title: 'T4', layout: 'table4', reference: 'r18', sizing: { classes: 1000, inputSize: 224 } };
  const sizes = [size('r18', 'ResNet-18', 46), size('mb1', 'MobileNet', 17), size('d', 'DResNet', 11)];
  const rows = buildTableRows(spec, sizes, [...folds('r18', [70, 72]), ...folds('mb1', [74, 78]), ...folds('d', [75, 76])]);
  const checks = checkClaims('table4', rows);
  const v1 = checks.find((c) => c.claim.startsWith('DResNet is slightly more accurate than MobileNet v1'))!;
  assert.equal(v1.verdict, 'does not hold');
  assert.match(v1.note ?? '', /within one fold std/);
  assert.equal(checks.find((c) => c.claim.startsWith('ResNet-18'))!.verdict, 'does not hold');
  assert.equal(checks.find((c) => c.claim.includes('ShuffleNet'))!.verdict, 'not measured yet');
});
