// No import cycles in worker/core, type imports and re-exports included (issue 13): a module
// that imports the ledger could otherwise see it half-initialised, and a cycle ties files that
// should change separately. A regex walk is enough: the core has no computed imports.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const coreRoot = resolve(__dirname, '..');
const importPattern = /(?:import|export)\s[^'";]*?from\s*'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

type Texts = ReadonlyMap<string, string>;

function resolveImport(texts: Texts, from: string, spec: string): string | null {
  if (!spec.startsWith('.') || spec.endsWith('.json')) return null; // data: imports nothing
  const base = resolve(dirname(from), spec);
  if (relative(coreRoot, base).startsWith('..')) return null; // outside the core: not walked
  const found = [base, `${base}.ts`, join(base, 'index.ts')].find((path) => texts.has(path));
  if (found === undefined) throw new Error(`${relative(coreRoot, from)}: ${spec} not found`);
  return found;
}

/** Every cycle a depth-first walk meets, as paths relative to worker/core. */
function importCycles(texts: ReadonlyMap<string, string>): string[][] {
  const edges = new Map<string, string[]>();
  for (const [file, text] of texts) {
    const specs = [...text.matchAll(importPattern)].map((m) => m[1] ?? m[2]!);
    edges.set(
      file,
      specs.flatMap((spec) => resolveImport(texts, file, spec) ?? []),
    );
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') {
        cycles.push(stack.slice(stack.indexOf(next)).map((f) => relative(coreRoot, f)));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...edges.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

describe('worker/core imports', () => {
  it('have no cycles, type imports and re-exports included', () => {
    const files = sourceFiles(coreRoot).filter((f) => f !== __filename); // its fixtures are text
    const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')] as const));
    expect(texts.size).toBeGreaterThan(40);
    expect(importCycles(texts)).toEqual([]);
  });

  it('the walk finds planted cycles of each import form', () => {
    const at = (name: string) => join(coreRoot, 'planted', name);
    const texts = new Map([
      [at('a.ts'), "import type { B } from './b';\nexport const a = 1;"],
      [at('b.ts'), "export * from './c';"],
      [at('c.ts'), "import {\n  a,\n} from './a';"],
      [at('d.ts'), "const e = () => import('./e');"],
      [at('e.ts'), "export { d } from './d';"],
      [at('f.ts'), "import { a } from './a';"],
    ]);
    expect(importCycles(texts)).toEqual([
      ['planted/a.ts', 'planted/b.ts', 'planted/c.ts'],
      ['planted/d.ts', 'planted/e.ts'],
    ]);
  });
});
