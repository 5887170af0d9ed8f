/**
 * Regression of the deterministic columns of Tables 3, 4 and the ablation:
 * params, size MB/MiB, compression % and MACs are recomputed from freshly
 * built models and must equal the committed results/<suite>/ CSVs exactly.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readCsv } from '../src/util/csv';
import { buildTableRows, deterministicColumns } from '../src/report/tables';
import { loadSuite } from '../src/suite/load';
import { OUTPUT_FILES, readSizes, sizesCsvText } from '../src/suite/outputs';
import { computeModelStats } from '../src/suite/ports';
import { computeSizes } from '../src/suite/runner';

const ROOT = path.join(__dirname, '..', '..');

const sizesBySuite = new Map<string, ReturnType<typeof computeSizes>>();
/** Each suite's models are built once for all the tests here. */
function sizesOf(name: string): ReturnType<typeof computeSizes> {
  if (!sizesBySuite.has(name)) {
    sizesBySuite.set(name, computeSizes(loadSuite(path.join(ROOT, 'experiments', `${name}.yaml`)), { modelStats: computeModelStats }));
  }
  return sizesBySuite.get(name)!;
}

for (const name of ['table3', 'table4', 'ablation']) {
  test(`${name}: regenerated sizes, compression and MACs equal the committed CSVs`, async () => {
    const suite = loadSuite(path.join(ROOT, 'experiments', `${name}.yaml`));
    const dir = path.join(ROOT, 'results', name);
    const sizes = await sizesOf(name);
    // A pruned run's sizes come from its trained plan, not from the suite file: only the built models' rows regenerate.
    const built = (id: string) => suite.runs.find((r) => r.id === id)?.prune === undefined;
    assert.equal(sizesCsvText(sizes), sizesCsvText(readSizes(dir, suite).filter((r) => built(r.id))));

    const committed = readCsv(path.join(dir, OUTPUT_FILES.table)).filter((r) => built(r.id));
    const regenerated = buildTableRows(suite, sizes, []);
    assert.equal(committed.length, regenerated.length);
    const columns = deterministicColumns(suite.layout);
    regenerated.forEach((row, i) => {
      for (const c of columns) assert.equal(committed[i][c], row[c] === undefined ? '' : String(row[c]), `${name} ${row.id} ${c}`);
    });
  });
}

test('the paper-sized models hit the reference sizes the tables compare against', async () => {
  const byId = Object.fromEntries((await sizesOf('table3')).map((s) => [s.id, s]));
  assert.equal(byId.resnet50.params, 25_557_032);
  // DESIGN: DResNet at 1000 classes is 10.7 MiB ± 5%.
  assert.ok(Math.abs(byId.dresnet.sizeMiB / 10.7 - 1) <= 0.05, `DResNet ${byId.dresnet.sizeMiB} MiB`);
  assert.ok(byId['dresnet-w0.25'].sizeMB < byId['dresnet-w0.5'].sizeMB && byId['dresnet-w0.5'].sizeMB < byId.dresnet.sizeMB);
});
