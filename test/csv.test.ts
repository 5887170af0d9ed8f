import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCsv, readCsv, toCsv } from '../src/util/csv';
import { isUserError } from '../src/util/errors';
import { packageRoot } from '../src/util/files';

function committedCsvs(): string[] {
  const out = execFileSync('git', ['ls-files', 'results/*.csv'], { cwd: packageRoot(), encoding: 'utf8' });
  return out.trim().split('\n').filter((f) => f !== '').map((f) => path.join(packageRoot(), f));
}

test('every committed CSV in results/ reads back and is written again byte for byte', () => {
  const files = committedCsvs();
  assert.ok(files.length >= 20, `only ${files.length} CSVs found under results/`);
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const [header] = parseCsv(text);
    assert.equal(toCsv(header, readCsv(file)), text, path.relative(packageRoot(), file));
  }
});

test('toCsv: full-precision numbers, NaN, true/false, empty for null/undefined, quotes only where needed', () => {
  const columns = ['n', 'flag', 'a.b', 'text', 'missing'];
  const rows = [
    { n: 0.1 + 0.2, flag: true, 'a.b': 'dot is a plain key', text: 'say "hi", then\nleave', missing: undefined },
    { n: NaN, flag: false, 'a.b': null, text: 'cr\rhere', missing: '' },
  ];
  assert.equal(
    toCsv(columns, rows),
    'n,flag,a.b,text,missing\n0.30000000000000004,true,dot is a plain key,"say ""hi"", then\nleave",\nNaN,false,,"cr\rhere",\n',
  );
  assert.equal(toCsv(['x', 'y'], []), 'x,y\n');
});

test('parseCsv: CRLF, quoted line breaks and short rows; readCsv fills a short row with empty fields', () => {
  assert.deepEqual(parseCsv('a,b\r\n"x\ny",2\r\n3\r\n'), [['a', 'b'], ['x\ny', '2'], ['3']]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-csv-'));
  try {
    const file = path.join(dir, 'short.csv');
    fs.writeFileSync(file, 'a,b,c\n1,2\n');
    assert.deepEqual(readCsv(file), [{ a: '1', b: '2', c: '' }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('readCsv: a malformed file is a UserError naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-csv-'));
  try {
    const file = path.join(dir, 'broken.csv');
    fs.writeFileSync(file, 'a,b\n"never closed,2\n');
    assert.throws(() => readCsv(file), (err: unknown) => isUserError(err) && err.message.startsWith(`${file}: not a readable CSV file`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
