import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkClaims } from '../src/report/claims';
import { buildTableRows, FoldRow, SizeRow, TableSpec, tableMarkdown, runContext } from '../src/report/tables';

const size = (id: string, paper: string, sizeMB: number): SizeRow => ({
  id, label: paper, paper, params: sizeMB * 250_000, totalParams: sizeMB * 250_000, sizeMB, sizeMiB: sizeMB / 1.048576, macs: 1e6,
});

const folds = (id: string, top1: number[]): FoldRow[] =>
  top1.map((t, fold) => ({ run_id: id, fold: String(fold), top1_pct: String(t), protocol: 'quick', seconds: '60' }));

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
});

test('ablation claims: a step decided on paired folds, a noisy one inconclusive, a missing one not measured', () => {
  const spec: TableSpec = { name: 'a', title: 'A', layout: 'ablation', reference: 'base', sizing: { classes: 1000, inputSize: 224 } };
  const sizes = [size('base', 'baseline', 100), size('sep', 'separable', 30), size('ms', 'multiScale', 10)];
  const runs = [
    ...folds('base', [80, 82, 78, 81, 79, 80, 83, 77, 81, 79]),
    ...folds('sep', [75, 77, 73, 76, 74.5, 75, 78, 72, 76.5, 74]), // 4.5-5 pp below on every fold
    ...folds('ms', [80, 72, 79, 70, 78, 73, 80, 71, 79, 74]), // +0.1 on average, spread 5 pp
  ].map(repeated);
  const rows = buildTableRows(spec, sizes, runs);
  const verdicts = Object.fromEntries(checkClaims('ablation', { rows, folds: runs, splitFolds: 5 }).map((c) => [c.claim, c.verdict]));
  assert.equal(verdicts['depthwise-separable 3x3 alone lowers accuracy'], 'holds');
  assert.equal(verdicts['multi-scale squeeze-expand improves accuracy'], 'inconclusive');
  assert.equal(verdicts['focal loss improves accuracy'], 'not measured yet');
});

/** The i-th fold row as fold i mod 5 of repeat i div 5, as a 5-fold, 2-repeat suite writes them. */
function repeated(row: FoldRow): FoldRow {
  const i = Number(row.fold);
  return { ...row, repeat: String(Math.floor(i / 5)), fold: String(i % 5) };
}

test('Table 4 claims: verdicts come from the paired CIs, never from a difference of means alone', () => {
  const spec: TableSpec = { name: 't4', title: 'T4', layout: 'table4', reference: 'r18', sizing: { classes: 1000, inputSize: 224 } };
  const sizes = [size('r18', 'ResNet-18', 46), size('mb1', 'MobileNet', 17), size('d', 'DResNet', 11)];
  const runs = [
    ...folds('r18', [70, 72, 69, 71, 70, 72, 71, 70, 69, 71]), // 5 pp below DResNet on every fold
    ...folds('mb1', [74, 78, 76, 80, 73, 77, 75, 79, 74, 76]),
    ...folds('d', [75, 76, 74, 77, 75, 76, 76, 75, 74, 76]),
  ].map(repeated);
  const rows = buildTableRows(spec, sizes, runs);
  const checks = checkClaims('table4', { rows, folds: runs, splitFolds: 5 });
  const v1 = checks.find((c) => c.claim.startsWith('DResNet is slightly more accurate than MobileNet v1'))!;
  assert.equal(v1.verdict, 'inconclusive', 'DResNet is 1.1 pp below on average but the folds disagree');
  assert.ok(v1.stats!.ci[0] < 0 && v1.stats!.ci[1] > 0);
  const r18 = checks.find((c) => c.claim.startsWith('ResNet-18'))!;
  assert.equal(r18.verdict, 'contradicted');
  assert.ok(r18.stats!.ci[1] < 0);
  assert.equal(checks.find((c) => c.claim.includes('ShuffleNet'))!.verdict, 'not measured yet');
  const md = tableMarkdown(spec, rows, runContext(runs, 30), [], checks);
  assert.match(md, /\| ResNet-18 is more accurate than DResNet[^|]*\| A − B > 0 \(95% CI above 0\) \| 75\.4 vs 71\.9 \| -4\.90 pp over 10 paired fold-runs \| \[-\d\.\d\d, -\d\.\d\d\] \(95%\) \| < 0\.001 \| contradicted \|/);
});

test('a custom table shows test-split columns only where a run has a test split, as mean ± std over its folds', () => {
  const spec: TableSpec = { name: 'c', title: 'C', layout: 'custom', sizing: { classes: 3, inputSize: 32 } };
  const held = folds('held', [80, 84]).map((r, i) => ({ ...r, metric_test_top1: String([0.75, 0.85][i]), metric_test_auc: String([0.9, 0.8][i]) }));
  const rows = buildTableRows(spec, [size('cv', 'cv', 1), size('held', 'held', 1)], [...folds('cv', [70, 72]), ...held]);
  assert.equal(rows[1].test_top1_pct, 80);
  assert.equal(rows[1].test_top1_std, 7.07);
  assert.equal(rows[1].test_auc, 0.85);
  assert.equal(rows[0].test_top1_pct, undefined);
  const md = tableMarkdown(spec, rows, runContext([...folds('cv', [70, 72]), ...held], 4));
  assert.match(md, /\| Model \| Size\/MB \| Top-1\/% \| Test top-1\/% \| Test AUC \|/);
  assert.match(md, /\| held \| 1\.00 \| 82 ± 2\.83 \| 80 ± 7\.07 \| 0\.85 ± 0\.0707 \|/);
  assert.match(md, /\| cv \| 1\.00 \| 71 ± 1\.41 \| – \| – \|/);
  const plain = tableMarkdown(spec, buildTableRows(spec, [size('cv', 'cv', 1)], folds('cv', [70, 72])), runContext(folds('cv', [70, 72]), 2));
  assert.doesNotMatch(plain, /Test/);
});
