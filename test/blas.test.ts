import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import '@tensorflow/tfjs-backend-cpu';
import { describeBackend, selectBackend } from '../src/backend';
import { blasInMaps, isReferenceBlas } from '../src/backend/torch/blas';

const SKIP = process.env.DRESNET_SKIP_NATIVE === '1' ? 'DRESNET_SKIP_NATIVE=1: torch addon not built' : false;

const line = (file: string) => `7f0000000000-7f0000001000 r-xp 00000000 08:01 123 ${file}`;

test('the BLAS is read from the mapped libraries: Debian alternatives folder, else the library', () => {
  const reference = blasInMaps([line('/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13'), line('/usr/lib/x86_64-linux-gnu/blas/libblas.so.3')].join('\n'));
  assert.equal(reference, 'blas');
  assert.ok(isReferenceBlas(reference));
  const openblas = blasInMaps(line('/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3'));
  assert.equal(openblas, 'openblas-openmp');
  assert.ok(!isReferenceBlas(openblas));
  assert.equal(blasInMaps(line('/opt/torch/lib/libmkl_rt.so.2')), 'libmkl_rt.so.2');
  assert.equal(blasInMaps(line('/usr/lib/libc.so.6')), undefined);
});

test('libtorch runs its matrix products on an optimised BLAS here (the README and .ci/run install OpenBLAS)', { skip: SKIP }, async () => {
  await selectBackend({ backend: 'torch', device: 'cpu', threads: 1 });
  const { blas } = describeBackend();
  assert.ok(blas !== undefined && !isReferenceBlas(blas), `BLAS in use: ${blas}`);
});
