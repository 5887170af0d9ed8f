/**
 * The page that classifies a cell in the browser, and what it needs offline:
 * its own files (web/), the export's model files, and tfjs's prebuilt script
 * bundles and WebAssembly binaries from the local install (no CDN).
 * `export --web` copies them into the export folder; `serve` serves them
 * from where they are, on 127.0.0.1.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { atomicWriteFile, packageRoot } from '../util/files';
import { UserError } from '../util/errors';

/** The page's own files, in web/. */
export const PAGE_FILES = ['index.html', 'app.mjs', 'dresnet-preprocess.mjs'];

/** tfjs's browser files the page loads from vendor/, by package. */
const VENDOR: Record<string, string[]> = {
  '@tensorflow/tfjs-core': ['tf-core.min.js'],
  '@tensorflow/tfjs-layers': ['tf-layers.min.js'],
  '@tensorflow/tfjs-backend-cpu': ['tf-backend-cpu.min.js'],
  '@tensorflow/tfjs-backend-webgl': ['tf-backend-webgl.min.js'],
  '@tensorflow/tfjs-backend-wasm': ['tf-backend-wasm.min.js', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'],
};

/** vendor/<file> name -> its path in the local install. */
export function vendorFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [pkg, names] of Object.entries(VENDOR)) {
    const dist = path.join(path.dirname(require.resolve(`${pkg}/package.json`, { paths: [packageRoot()] })), 'dist');
    for (const name of names) files.set(name, path.join(dist, name));
  }
  return files;
}

function webDir(): string {
  return path.join(packageRoot(), 'web');
}

/** Copies the page and tfjs's browser files into an export folder. */
export function writeWebPage(dir: string): void {
  for (const name of PAGE_FILES) atomicWriteFile(path.join(dir, name), fs.readFileSync(path.join(webDir(), name)));
  for (const [name, file] of vendorFiles()) atomicWriteFile(path.join(dir, 'vendor', name), fs.readFileSync(file));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
};

/** The file a request path names: the export folder first, then the page's files, then vendor/. */
function resolveRequest(modelDir: string, urlPath: string): string | undefined {
  const rel = path.posix.normalize(decodeURIComponent(urlPath)).replace(/^\/+/, '') || 'index.html';
  if (rel.startsWith('..')) return undefined;
  const vendor = rel.startsWith('vendor/') ? vendorFiles().get(rel.slice('vendor/'.length)) : undefined;
  const candidates = [path.join(modelDir, rel), ...(PAGE_FILES.includes(rel) ? [path.join(webDir(), rel)] : []), ...(vendor ? [vendor] : [])];
  return candidates.find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
}

/** Serves an export folder with the page on 127.0.0.1 (port 0: any free port); resolves once it listens. */
export function servePage(modelDir: string, port: number): Promise<{ server: http.Server; url: string }> {
  const dir = path.resolve(modelDir);
  for (const f of ['model.json', 'metadata.json']) {
    if (!fs.existsSync(path.join(dir, f))) throw new UserError(`--model ${modelDir}: no ${f} there (not a dresnet export folder; make one with dresnet export)`);
  }
  const server = http.createServer((req, res) => {
    const file = resolveRequest(dir, new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (!file || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new UserError(`--port ${port}: already in use on 127.0.0.1`) : err));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({ server, url: `http://127.0.0.1:${actual}/` });
    });
  });
}
