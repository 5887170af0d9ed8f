/**
 * Which BLAS libtorch's matrix products (dense layers, matmuls) run on.
 * Debian's libtorch links libblas.so.3, which is the reference BLAS unless an
 * optimised one (OpenBLAS, BLIS, MKL) provides it: about 3 GFLOP/s here
 * against 40+, which made a ShuffleNet v2 step spend 15% of its time in the
 * 1024x1000 classifier. Convolutions use oneDNN and are unaffected.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const HOW_TO_GET_OPENBLAS = 'apt-get install libopenblas0-openmp';

/**
 * The BLAS in this process: the folder of the loaded libblas.so.3 (Debian's
 * alternatives: 'openblas-openmp', 'blas' for the reference one), else the
 * name of a loaded OpenBLAS/MKL/BLIS library; undefined off Linux or when
 * none is loaded.
 */
export function loadedBlas(): string | undefined {
  try {
    return blasInMaps(fs.readFileSync('/proc/self/maps', 'utf8'));
  } catch {
    return undefined;
  }
}

/** loadedBlas on the text of a /proc/<pid>/maps. */
export function blasInMaps(maps: string): string | undefined {
  const paths = maps.split('\n').map((line) => line.slice(line.indexOf('/')));
  const libblas = paths.find((p) => p.endsWith('/libblas.so.3'));
  if (libblas) return path.basename(path.dirname(libblas));
  const other = paths.find((p) => /\/lib(openblas|mkl_rt|blis)[^/]*\.so/.test(p));
  return other ? path.basename(other) : undefined;
}

/** Debian's alternatives put the reference BLAS in .../blas/libblas.so.3. */
export function isReferenceBlas(name: string | undefined): boolean {
  return name === 'blas';
}
