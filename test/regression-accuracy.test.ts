/**
 * The small fixed accuracy regression: a few runs of the table4 suite under
 * its `ci` protocol (synthetic cells, 32x32, 5 epochs), trained through the
 * real suite runner and trainer; each final validation top-1 must fall in the
 * band stored in results/regression/bands.json.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { readCsv } from '../src/util/csv';
import { loadSuite } from '../src/suite/load';
import { OUTPUT_FILES } from '../src/suite/outputs';
import { realPorts } from '../src/suite/ports';
import { runSuite } from '../src/suite/runner';

const ROOT = path.join(__dirname, '..', '..');

interface Bands {
  suite: string;
  protocol: string;
  folds: number[];
  runs: Record<string, { top1_pct: [number, number] }>;
}

test('the ci protocol runs land inside the committed accuracy bands', async () => {
  const bands = JSON.parse(fs.readFileSync(path.join(ROOT, 'results', 'regression', 'bands.json'), 'utf8')) as Bands;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-regression-'));
  try {
    const suite = loadSuite(path.join(ROOT, bands.suite));
    const out = path.join(work, 'results');
    await runSuite(suite, {
      protocol: bands.protocol, outDir: out, runsRoot: path.join(work, 'runs'), runs: Object.keys(bands.runs), folds: bands.folds, probe: false,
    }, realPorts({ quiet: true, log: () => {} }));
    const rows = readCsv(path.join(out, OUTPUT_FILES.runs));
    assert.equal(rows.length, Object.keys(bands.runs).length * bands.folds.length);
    for (const row of rows) {
      const [lo, hi] = bands.runs[row.run_id].top1_pct;
      const top1 = Number(row.top1_pct);
      process.stderr.write(`regression: ${row.run_id} fold ${row.fold} top-1 ${top1}% on ${row.backend} (band ${lo}..${hi})\n`);
      assert.ok(top1 >= lo && top1 <= hi, `${row.run_id} fold ${row.fold}: top-1 ${top1}% outside [${lo}, ${hi}] (${row.backend})`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
