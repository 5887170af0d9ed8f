// The grouped 1x1 row kernels' AVX-512 tiles against their AVX2 tiles: every
// output element is the same chain of FMAs in the same order, so forward, dx
// and dfilter agree bit for bit; where the AVX2 rule sends a layer to BLAS
// instead, or a dense convolution over few pixels goes to one BLAS product,
// within float32 rounding. On a CPU without AVX-512 both children
// run the AVX2 tiles and the comparison holds trivially.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GROUPED_POINTWISE_CASES } from './helpers/grouped-conv-cases';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;

function outputs(env: NodeJS.ProcessEnv): number[][][] {
  const child = path.join(__dirname, 'helpers', 'grouped-conv-outputs.js');
  const res = spawnSync(process.execPath, [child], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 });
  assert.equal(res.status, 0, `grouped-conv-outputs: ${res.stderr}`);
  return JSON.parse(res.stdout) as number[][][];
}

test('grouped 1x1 convolutions: the AVX-512 tiles give the AVX2 tiles\' bits (forward with bias and relu6, dx, dfilter); dense ones over few pixels agree with BLAS', { skip: SKIP }, () => {
  const avx512 = /\bavx512f\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  const wide = outputs({ DRESNET_CPU_ISA: '' });
  const narrow = outputs({ DRESNET_CPU_ISA: 'avx2' });
  GROUPED_POINTWISE_CASES.forEach((c, i) => {
    const label = `x ${c.x} -> ${c.cout}, groups ${c.groups}, stride ${c.strides}`;
    ['forward', 'dx', 'dfilter'].slice(0, wide[i].length).forEach((what, k) => {
      const a = wide[i][k], b = narrow[i][k];
      assert.equal(a.length, b.length, `${label} ${what}: sizes`);
      if (c.samePath) {
        const first = a.findIndex((v, j) => !Object.is(v, b[j]));
        assert.equal(first, -1, `${label} ${what}[${first}]: ${a[first]} (${avx512 ? 'AVX-512' : 'AVX2'}) vs ${b[first]} (AVX2)`);
      } else {
        const scale = Math.max(1, ...b.map(Math.abs));
        a.forEach((v, j) => assert.ok(Math.abs(v - b[j]) <= 1e-5 * scale, `${label} ${what}[${j}]: ${v} vs ${b[j]}`));
      }
    });
  });
  // The forward's clamp is exercised at both ends.
  const y = wide[0][0];
  assert.ok(y.some((v) => v === 0) && y.some((v) => v === 6) && y.some((v) => v > 0 && v < 6), 'relu6 clips at 0 and 6');
});
