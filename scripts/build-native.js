#!/usr/bin/env node
// Builds the torch backend's addon (native/) at `npm install`.
//
// libtorch comes from $LIBTORCH (a libtorch folder, or a PyTorch install's
// torch/ folder: include/ + lib/) or else the system (Debian/Ubuntu
// libtorch-dev). Without libtorch this prints one line and exits 0, so the
// rest of the project installs and runs on the cpu backend.
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const NATIVE_DIR = path.join(__dirname, '..', 'native');
const BUILD_DIR = path.join(NATIVE_DIR, 'build');
const STAMP = path.join(BUILD_DIR, 'dresnet-torch-config.json');
const ADDON = path.join(BUILD_DIR, 'Release', 'dresnet_torch.node');

const MULTIARCH = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', ppc64: 'powerpc64le-linux-gnu' };

function hasHeaders(includeDir) {
  return fs.existsSync(path.join(includeDir, 'ATen', 'ATen.h')) &&
    fs.existsSync(path.join(includeDir, 'torch', 'csrc', 'api', 'include', 'torch', 'version.h'));
}

function hasLib(libDir, name) {
  return fs.existsSync(path.join(libDir, `lib${name}.so`)) || fs.existsSync(path.join(libDir, `lib${name}.dylib`));
}

/** The C++ ABI libtorch was built with (PyTorch wheels before 2.x use the old one). */
function cxx11Abi(root) {
  const cmake = path.join(root, 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
  if (fs.existsSync(cmake) && /_GLIBCXX_USE_CXX11_ABI=0/.test(fs.readFileSync(cmake, 'utf8'))) return '0';
  return '1';
}

/**
 * The C++ standard for ATen's headers: libtorch 2.13 and later refuse
 * anything below C++20 (#error in c10/macros), earlier ones build as C++17.
 */
function cxxStandard(include) {
  // 2.x moved the numbers from the API's version.h to torch/headeronly/.
  const text = [['torch', 'headeronly', 'version.h'], ['torch', 'csrc', 'api', 'include', 'torch', 'version.h']]
    .map((parts) => path.join(include, ...parts))
    .filter((header) => fs.existsSync(header))
    .map((header) => fs.readFileSync(header, 'utf8'))
    .join('\n');
  const major = Number(/TORCH_VERSION_MAJOR\s+(\d+)/.exec(text)?.[1] ?? 0);
  const minor = Number(/TORCH_VERSION_MINOR\s+(\d+)/.exec(text)?.[1] ?? 0);
  return major > 2 || (major === 2 && minor >= 13) ? 'c++20' : 'c++17';
}

function fromEnv(root) {
  const include = path.join(root, 'include');
  const lib = path.join(root, 'lib');
  if (!hasHeaders(include) || !hasLib(lib, 'torch_cpu')) {
    return { error: `LIBTORCH=${root} has no include/ATen/ATen.h + lib/libtorch_cpu.so` };
  }
  return { include, lib, abi: cxx11Abi(root), source: `LIBTORCH=${root}` };
}

function fromSystem() {
  const include = '/usr/include';
  const lib = path.join('/usr/lib', MULTIARCH[process.arch] || `${process.arch}-linux-gnu`);
  if (!hasHeaders(include) || !hasLib(lib, 'torch_cpu')) return null;
  return { include, lib, abi: '1', source: 'system libtorch-dev' };
}

function findLibtorch() {
  if (process.env.LIBTORCH) return fromEnv(path.resolve(process.env.LIBTORCH));
  return fromSystem();
}

/**
 * CUDA's runtime headers, which CUDA graph capture (native/src/graph.h)
 * includes: $CUDA_HOME, the toolkit's usual place, or the NVIDIA wheels
 * beside a PyTorch install's torch/ folder (nvidia/cu13/include,
 * nvidia/cuda_runtime/include). Without them the addon replays plans op by op.
 */
function cudaInclude(torch) {
  const sitePackages = path.resolve(torch.lib, '..', '..');
  const candidates = [
    process.env.CUDA_HOME && path.join(process.env.CUDA_HOME, 'include'),
    '/usr/local/cuda/include',
    path.join(sitePackages, 'nvidia', 'cu13', 'include'),
    path.join(sitePackages, 'nvidia', 'cuda_runtime', 'include'),
  ].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'cuda_runtime_api.h'))) ?? '';
}

function gypVariables(torch) {
  const cuda = hasLib(torch.lib, 'torch_cuda');
  const libs = ['torch', 'torch_cpu', 'c10'].concat(cuda ? ['torch_cuda', 'c10_cuda'] : []);
  const api = path.join(torch.include, 'torch', 'csrc', 'api', 'include');
  return {
    // -I/usr/include would break libstdc++'s #include_next, so the system
    // build only adds the torch API folder (ATen and c10 are already on the path).
    torch_include: torch.include === '/usr/include' ? api : torch.include,
    torch_api_include: api,
    torch_lib: torch.lib,
    torch_link: libs.map((l) => `-l${l}`).join(' '),
    cxx11_abi: torch.abi,
    cxx_std: cxxStandard(torch.include),
    cuda: cuda ? '1' : '0',
    cuda_include: cuda ? cudaInclude(torch) : '',
  };
}

/**
 * node-gyp downloads Node's headers unless told where they are; use the
 * running Node's own headers when npm has not configured a nodedir.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function runNodeGyp(args) {
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
  const res = spawnSync(process.execPath, [nodeGyp, ...args.slice(0, 1), ...nodedirArgs(), ...args.slice(1)],
    { cwd: NATIVE_DIR, stdio: 'inherit' });
  return res.status === 0;
}

function main() {
  if (process.env.DRESNET_SKIP_NATIVE === '1') {
    console.log('dresnet: DRESNET_SKIP_NATIVE=1, not building the torch backend addon');
    return 0;
  }
  const torch = findLibtorch();
  if (!torch || torch.error) {
    console.log(`dresnet: libtorch not found${torch ? ` (${torch.error})` : ''}; the torch backend is not built ` +
      '(apt-get install libtorch-dev, or set LIBTORCH=/path/to/libtorch, then npm install again); cpu backend only');
    return 0;
  }
  const vars = gypVariables(torch);
  const stamp = JSON.stringify(vars);
  // npm runs this on every `npm install`; only reconfigure when libtorch changed,
  // and let make rebuild just what changed.
  const configured = fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === stamp;
  const cudaNote = vars.cuda !== '1' ? '' : vars.cuda_include ? ' (CUDA, with CUDA graphs)' : ' (CUDA; no cuda_runtime_api.h found, so no CUDA graphs: set CUDA_HOME)';
  console.log(`dresnet: building the torch backend addon against ${torch.source}${cudaNote}`);
  if (!configured) {
    const defines = Object.entries(vars).map(([k, v]) => `-D${k}=${v}`);
    if (!runNodeGyp(['configure', '--', ...defines])) return fail('configure');
    fs.writeFileSync(STAMP, stamp);
  }
  if (!runNodeGyp(['build', '--jobs', 'max'])) return fail('build');
  console.log(`dresnet: torch backend addon built: ${path.relative(process.cwd(), ADDON)}`);
  return 0;
}

function fail(step) {
  // A failed build must not fail the whole install: cpu still works, and
  // `--backend torch` reports that the addon is missing.
  console.log(`dresnet: node-gyp ${step} of the torch backend addon failed (see above); cpu backend only`);
  return 0;
}

process.exitCode = main();
