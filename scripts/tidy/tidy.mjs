// The tidy checker (issue 13, item 4): boundaries between the folders, import cycles, named
// limits that nothing enforces, and packages used but not declared. Plain Node, no parser: the
// import specifiers are read with regular expressions (static, type-only, re-exports, dynamic).
// `node scripts/tidy/tidy.mjs [root]` prints one line per violation and exits 1 if any.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The rules; each violation names one. */
export const rules = {
  coreImport: 'core-import',
  appImport: 'app-import',
  serverApp: 'server-app',
  cycle: 'cycle',
  unusedLimit: 'unused-limit',
  undeclaredPackage: 'undeclared-package',
  hostClock: 'host-clock',
};

/**
 * Where time comes only through the injected Clock (worker/net/clock.ts), so the simulator can
 * drive it: the host and its services (the syncer, the devices host included), the hub and its
 * parts, and the memory link driver. (rtc-links.ts and signaling.ts run on real time: WebRTC and
 * WebSockets are not simulated.)
 */
export const clockFolders = [
  'worker/host/',
  'worker/net/hub.ts',
  'worker/net/dialer.ts',
  'worker/net/liveness.ts',
  'worker/net/gossip.ts',
  'worker/net/pacing.ts',
  'worker/net/link.ts',
  'worker/net/signal-router.ts',
  'worker/net/handshake.ts',
  'worker/net/memory-driver.ts',
];
const directTime =
  /(?<![.\w$])(?:setTimeout|setInterval|clearTimeout|clearInterval)\s*\(|\b(?:Date|performance)\.now\s*\(/;

/** The libraries worker/core may import (pure, pinned in package.json). */
export const coreLibraries = [
  '@ipld/dag-cbor',
  '@noble/ciphers',
  '@noble/curves',
  '@noble/hashes',
  'multiformats',
];
/** Extra libraries core test files may import. */
export const coreTestLibraries = ['vitest', 'fast-check'];
/**
 * Host files core test files may import: the browser test compares the core verifier with the
 * host's WebCrypto one (it belongs in worker/host; moved once the core is no longer being split).
 */
export const coreTestMayImport = ['worker/host/crypto.ts'];

/**
 * What app/ may import from worker/: the API types, the one pure shared folder, and the page half
 * of the network (workers have no RTCPeerConnection, so the page owns the WebRTC links and hands
 * their bytes to the worker over a MessagePort). The rule holds for app tests too.
 */
export const appMayImport = ['worker/api.ts', 'worker/shared/', 'worker/net/net-owner.ts'];

/**
 * Import cycles allowed, each as its files sorted and joined by ' '. Empty since the modules
 * branch broke the three core cycles (issue 13, item 1): any cycle now fails.
 */
export const knownCycles = [];

const scannedFolders = ['worker', 'app', 'server', 'e2e', 'scripts'];
const graphFolders = ['worker/', 'app/', 'server/'];
const sourceExtensions = ['.ts', '.tsx', '.mts', '.mjs', '.js'];
const skippedDirs = new Set(['node_modules', 'dist', '.git']);

function walk(root, folder, out) {
  const dir = join(root, folder);
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (skippedDirs.has(name)) continue;
    const rel = folder === '' ? name : `${folder}/${name}`;
    if (rel === 'scripts/tidy/fixtures') continue;
    if (statSync(join(root, rel)).isDirectory()) walk(root, rel, out);
    else if (sourceExtensions.some((e) => name.endsWith(e)) && !name.endsWith('.d.ts')) {
      out.push(rel);
    }
  }
}

const importPattern =
  /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"\n]+)['"]/g;
const dynamicPattern = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** Comments out, so an import in a comment or example does not count. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The module specifiers `text` imports (type-only included). */
export function importsOf(text) {
  const code = stripComments(text);
  const found = [];
  for (const pattern of [importPattern, dynamicPattern]) {
    for (const m of code.matchAll(pattern)) found.push(m[1]);
  }
  return found;
}

function resolveImport(root, from, spec) {
  const base = resolve(root, dirname(from), spec);
  const stem = base.replace(/\.(js|mjs)$/, '');
  const candidates = [base, ...sourceExtensions.map((e) => stem + e), join(base, 'index.ts')];
  for (const c of candidates) {
    if (existsSync(c) && statSync(c).isFile()) return relative(root, c).split(sep).join('/');
  }
  return null;
}

function packageOf(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const isTestFile = (f) =>
  /\.(test|suite)\.tsx?$/.test(f) ||
  /(^|\/)(testing|testHelpers)\.ts$/.test(f) ||
  f.includes('/fixtures/');

/** Strongly connected components with more than one file, or a file importing itself. */
function cycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? new Set()).has(v)) found.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** Every violation in the tree at `root`: [{ rule, file, message }]. */
export function checkTree(root, options = {}) {
  const allowedCycles = new Set(options.knownCycles ?? knownCycles);
  const files = [];
  for (const folder of scannedFolders) walk(root, folder, files);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const declared = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.devDependencies ?? {}),
  ]);
  const builtins = new Set(builtinModules);
  const violations = [];
  const report = (rule, file, message) => violations.push({ rule, file, message });
  const graph = new Map();
  const texts = new Map();

  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    texts.set(file, text);
    const inGraph = graphFolders.some((f) => file.startsWith(f));
    if (inGraph) graph.set(file, new Set());
    for (const spec of importsOf(text)) {
      if (spec.startsWith('.')) {
        const target = resolveImport(root, file, spec);
        if (target === null) continue;
        if (inGraph && graphFolders.some((f) => target.startsWith(f))) graph.get(file).add(target);
        if (
          file.startsWith('worker/core/') &&
          !target.startsWith('worker/core/') &&
          !target.startsWith('worker/shared/') &&
          !(isTestFile(file) && coreTestMayImport.includes(target))
        ) {
          report(rules.coreImport, file, `worker/core imports ${target}`);
        }
        if (
          file.startsWith('app/') &&
          target.startsWith('worker/') &&
          !appMayImport.some((a) => (a.endsWith('/') ? target.startsWith(a) : target === a))
        ) {
          report(
            rules.appImport,
            file,
            `app imports ${target} (allowed: ${appMayImport.join(', ')})`,
          );
        }
        if (file.startsWith('server/') && target.startsWith('app/')) {
          report(rules.serverApp, file, `server imports ${target}`);
        }
        continue;
      }
      if (spec.startsWith('node:') || spec.startsWith('virtual:') || spec.startsWith('/')) continue;
      const name = packageOf(spec);
      if (builtins.has(name)) continue;
      if (!declared.has(name)) {
        report(
          rules.undeclaredPackage,
          file,
          `imports ${name}, which package.json does not declare`,
        );
      }
      if (
        file.startsWith('worker/core/') &&
        !coreLibraries.includes(name) &&
        !(isTestFile(file) && coreTestLibraries.includes(name))
      ) {
        report(rules.coreImport, file, `worker/core imports the package ${name}`);
      }
    }
  }

  for (const file of files) {
    if (isTestFile(file) || !clockFolders.some((f) => file.startsWith(f))) continue;
    const found = directTime.exec(stripComments(texts.get(file)));
    if (found)
      report(
        rules.hostClock,
        file,
        `reads the time or sets a timer directly (${found[0]}); use the Clock`,
      );
  }

  for (const component of cycles(graph)) {
    const key = component.join(' ');
    if (!allowedCycles.has(key)) report(rules.cycle, component[0], `import cycle: ${key}`);
  }

  const product = files.filter((f) => graphFolders.some((g) => f.startsWith(g)) && !isTestFile(f));
  for (const limitsFile of files.filter((f) => /(^|\/)limits\.ts$/.test(f))) {
    const names = [...texts.get(limitsFile).matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
    for (const name of names) {
      const word = new RegExp(`\\b${name}\\b`);
      const readers = product.filter(
        (f) => f !== limitsFile && word.test(stripComments(texts.get(f))),
      );
      if (readers.length === 0) {
        report(rules.unusedLimit, limitsFile, `${name} is named but no product code reads it`);
      }
    }
  }
  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../..'));
  const violations = checkTree(root);
  for (const v of violations) console.log(`${v.rule}: ${v.file}: ${v.message}`);
  if (violations.length > 0) process.exit(1);
  console.log('tidy: no violations');
}
