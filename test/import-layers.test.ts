// Imports point down and never in a circle: reads every import in src/
// (type-only ones, re-exports and require() calls included, with TypeScript's
// own scanner) and fails on a cycle, on an import that points up the order
// below (any import into src/cli/ from a lower folder among them), and on an
// import of a folder's private module from outside it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const SRC = path.join(__dirname, '..', '..', 'src');

/**
 * The floors of src/, top first; a file may import from its own floor or a
 * lower one. src/stats (main's statistics for the claims, on no branch of
 * this one yet) reads only npm packages, so it sits on the bottom floor.
 */
const FLOORS: readonly (readonly string[])[] = [
  ['cli'],
  ['suite'],
  ['measure', 'prune', 'ship'],
  ['train'],
  ['models', 'backend', 'data', 'report'],
  ['ops', 'engine', 'config', 'util', 'stats'],
];

/** Modules only their own folder may import: the registry alone is an empty zoo (models/index.ts loads the families). */
const PRIVATE: Readonly<Record<string, string>> = { 'models/registry.ts': 'models' };

type Graph = Map<string, string[]>;

/** The .ts files under dir, in name order. */
function sourceFiles(dir: string): string[] {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

/** The file a relative specifier names, as the compiler resolves it (x.ts, x.d.ts, x/index.ts, or a file such as x.json). */
function resolveImport(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, `${base}.d.ts`, path.join(base, 'index.ts'), base].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
}

/** Every file's imports of other files under root (package imports left out), paths relative to root. */
function importGraph(root: string): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(root)) {
    const scanned = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles;
    const targets = scanned
      .filter((i) => i.fileName.startsWith('.'))
      // Paths out of src/ (the package's package.json, read from dist/) are no part of its layering.
      .filter((i) => path.resolve(path.dirname(file), i.fileName).startsWith(root + path.sep))
      .map((i) => {
        const target = resolveImport(file, i.fileName);
        if (target === undefined) throw new Error(`${path.relative(root, file)}: import '${i.fileName}' names no file`);
        return path.relative(root, target);
      });
    graph.set(path.relative(root, file), [...new Set(targets)]);
  }
  return graph;
}

/** The import cycles, each as the files of one strongly connected component (Tarjan). */
function cycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The top folder of a path relative to src/ ('' for a file directly in it). */
function folderOf(file: string): string {
  const parts = file.split(path.sep);
  return parts.length > 1 ? parts[0] : '';
}

function floorOf(folder: string): number | undefined {
  const floor = FLOORS.findIndex((names) => names.includes(folder));
  return floor < 0 ? undefined : floor;
}

/** Every import that breaks the layering, one line each. */
function layerViolations(graph: Graph): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    const fromFloor = floorOf(from);
    if (fromFloor === undefined) {
      found.push(`${file}: folder src/${from || '.'} is on no floor of the import order (add it to FLOORS in test/import-layers.test.ts)`);
      continue;
    }
    for (const target of targets) {
      const to = folderOf(target);
      const toFloor = floorOf(to);
      if (toFloor !== undefined && toFloor < fromFloor) found.push(`${file} imports ${target}: src/${to} is above src/${from}`);
      const owner = PRIVATE[target.split(path.sep).join('/')];
      if (owner !== undefined && from !== owner) found.push(`${file} imports ${target}, which only src/${owner}/ may import`);
    }
  }
  return found;
}

test('src/ has no import cycle', () => {
  const found = cycles(importGraph(SRC));
  assert.deepEqual(found, [], `import cycles:\n${found.map((c) => c.join(' <-> ')).join('\n')}`);
});

test('src/ imports point down: cli -> suite -> train -> models/backend/data/report -> ops/engine/config/util/stats', () => {
  const found = layerViolations(importGraph(SRC));
  assert.deepEqual(found, [], found.join('\n'));
});

test('the checks find a cycle (type-only and require() imports too), an upward import and a private import', (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dresnet-imports-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  write('util/a.ts', "import type { B } from './b';\nexport type A = B;\n");
  write('util/b.ts', "export type B = number;\nexport function load(): unknown { return require('./a'); }\n");
  write('models/registry.ts', 'export const zoo = 1;\n');
  write('models/index.ts', "export { zoo } from './registry';\n");
  write('train/step.ts', "import { zoo } from '../models/registry';\nexport const step = zoo;\n");
  write('config/schema.ts', "import { step } from '../train/step';\nexport const schema = step;\n");
  write('cli/run.ts', "import { zoo } from '../models';\nexport const run = zoo;\n");
  const graph = importGraph(root);
  assert.deepEqual(cycles(graph), [[path.join('util', 'a.ts'), path.join('util', 'b.ts')]]);
  assert.deepEqual(layerViolations(graph), [
    `${path.join('config', 'schema.ts')} imports ${path.join('train', 'step.ts')}: src/train is above src/config`,
    `${path.join('train', 'step.ts')} imports ${path.join('models', 'registry.ts')}, which only src/models/ may import`,
  ]);
});
