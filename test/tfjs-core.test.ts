import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADDON_PATH } from '../src/backend/torch';
import { ignoreListFor } from './tfjs-core/ignore-list';
import type { SuiteCounts } from './tfjs-core/run';

// tfjs-core's own kernel specs, run on the torch backend in a child process
// (jasmine installs globals and tfjs-core keeps engine state; neither should
// leak into this test process).
/** Runs the suite on `backend` in a child process, asserts no spec failed, returns the counts. */
function runSuite(backend: 'torch' | 'cpu'): SuiteCounts {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-core-')), 'counts.json');
  const runner = path.join(__dirname, 'tfjs-core', 'run.js');
  const res = spawnSync(process.execPath, [runner, '--backend', backend, '--json', out], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const counts = JSON.parse(fs.readFileSync(out, 'utf8')) as SuiteCounts;
  console.log(`tfjs-core on ${backend}: ${counts.passed} passed, ${counts.failed} failed, ${counts.ignored} ignored, ${counts.pending} pending`);
  const failures = counts.failures.map((f) => `${f.name}: ${f.message}`).join('\n');
  assert.equal(counts.failed, 0, `failing tfjs-core specs on ${backend}:\n${failures}`);
  assert.ok(counts.passed > 2000, `only ${counts.passed} specs ran: the bundle lost its specs (exit ${res.status}, ${res.stderr.slice(-500)})`);
  return counts;
}

test('tfjs-core jasmine suite passes on the torch backend (ignored specs listed with reasons)', { timeout: 600_000 }, () => {
  if (!fs.existsSync(ADDON_PATH)) {
    assert.fail(`the torch addon is not built (${ADDON_PATH}); run npm install with libtorch present (apt-get install libtorch-dev)`);
  }
  const counts = runSuite('torch');
  // An entry that matches no spec is stale (the spec was renamed, or the kernel now passes and was never un-ignored).
  const stale = ignoreListFor('cpu').filter((entry) => !counts.ignoredNames.some((name) => name.includes(entry.match)));
  assert.deepEqual(stale.map((entry) => entry.match), [], 'ignore-list entries that match no tfjs-core spec');
});

// The project's cpu backend replaces tfjs's slowest cpu kernels (src/backend/cpu); tfjs's own specs hold them to its semantics.
test('tfjs-core jasmine suite passes on the cpu backend with the fast cpu kernels, nothing ignored', { timeout: 600_000 }, () => {
  assert.equal(runSuite('cpu').ignored, 0);
});
