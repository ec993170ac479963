// What runs in a page's long tasks (issue 20): reads a Chromium performance trace (bench/its-map.ts
// with BENCH_TRACE=<file>) and prints, for the renderer main thread with the most tasks, the
// tasks over 50 ms (or `--over <ms>`), each with its top-level events and the JavaScript
// functions the sampling profiler saw in it (self time), and the same summed over all long tasks.
// Each task's thread (CPU) time is printed beside its wall time: on a loaded box a task of a few
// ms of CPU can last over 50 ms while its thread waits for a core (issue 20, BENCHMARKS.md).
// Usage: npx tsx bench/trace-long-tasks.ts <trace.json> [--over 50] [--top 25]
import { readFileSync } from 'node:fs';

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  /** Thread (CPU) time of a complete event: what the thread ran, without the time it waited to run. */
  tdur?: number;
  id?: string;
  args?: {
    name?: string;
    data?: {
      functionName?: string;
      url?: string;
      startTime?: number;
      cpuProfile?: {
        nodes?: Array<{
          id: number;
          parent?: number;
          callFrame: { functionName: string; url: string; lineNumber: number };
        }>;
        samples?: number[];
      };
      timeDeltas?: number[];
    };
  };
}

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error('usage: trace-long-tasks.ts <trace.json> [--over ms] [--top n]');
const option = (name: string, fallback: number) => {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : fallback;
};
const overUs = option('--over', 50) * 1000;
const top = option('--top', 25);
const raw = JSON.parse(readFileSync(file, 'utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
const events = Array.isArray(raw) ? raw : (raw.traceEvents ?? []);

// The renderer main thread with the most tasks.
const mains = events.filter((e) => e.ph === 'M' && e.args?.name === 'CrRendererMain');
const isTask = (e: TraceEvent) =>
  e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask');
const tasksOf = (pid: number, tid: number) =>
  events.filter((e) => e.pid === pid && e.tid === tid && isTask(e));
const main = mains
  .map((m) => ({ pid: m.pid, tid: m.tid, tasks: tasksOf(m.pid, m.tid) }))
  .sort((a, b) => b.tasks.length - a.tasks.length)[0];
if (!main) throw new Error('no renderer main thread in the trace');
const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X');
const long = main.tasks.filter((t) => (t.dur ?? 0) > overUs).sort((a, b) => a.ts - b.ts);

// CPU samples of the main thread's profile: time -> leaf function. Each thread of the process
// (the page's workers too) has a profile of its own, named by the Profile event's id and tid;
// node ids and time deltas are per profile, so only the main thread's chunks are read.
const samples: Array<{ ts: number; fn: string; stack: string[] }> = [];
const profiles = new Map<
  string,
  { nodes: Map<number, { parent?: number; fn: string }>; ts: number }
>();
for (const e of events) {
  if (e.pid !== main.pid) continue;
  if (e.name === 'Profile' && e.id !== undefined && e.args?.data?.startTime !== undefined) {
    if (e.tid === main.tid) profiles.set(e.id, { nodes: new Map(), ts: e.args.data.startTime });
    continue;
  }
  if (e.name !== 'ProfileChunk' || e.id === undefined) continue;
  const profile = profiles.get(e.id);
  if (!profile) continue;
  const { nodes } = profile;
  const data = e.args?.data;
  for (const n of data?.cpuProfile?.nodes ?? []) {
    const where = n.callFrame.url ? n.callFrame.url.split('/').pop() : '';
    nodes.set(n.id, {
      parent: n.parent,
      fn: `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber}`,
    });
  }
  const ids = data?.cpuProfile?.samples ?? [];
  const deltas = data?.timeDeltas ?? [];
  for (let i = 0; i < ids.length; i++) {
    profile.ts += deltas[i] ?? 0;
    const stack: string[] = [];
    for (let id: number | undefined = ids[i]; id !== undefined; id = nodes.get(id)?.parent)
      stack.push(nodes.get(id)?.fn ?? `?${id}`);
    samples.push({ ts: profile.ts, fn: stack[0] ?? '?', stack });
  }
}
samples.sort((a, b) => a.ts - b.ts);

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const topOf = (m: Map<string, number>, n: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${(v / 1000).toFixed(1)} ms  ${k}`);

const allEvents = new Map<string, number>();
const allSelf = new Map<string, number>();
const allInclusive = new Map<string, number>();
const ms = (us: number | undefined) => ((us ?? 0) / 1000).toFixed(0);
console.log(
  `main thread pid ${main.pid} tid ${main.tid}: ${main.tasks.length} tasks, ${long.length} over ${overUs / 1000} ms: ${long.map((t) => ms(t.dur)).join(', ')}`,
);
// A task's wall time includes the time its thread waited for a core (a loaded box); its thread
// time is what the page itself ran.
const longByCpu = main.tasks.filter((t) => (t.tdur ?? 0) > overUs);
console.log(
  `  their thread (CPU) time: ${long.map((t) => (t.tdur === undefined ? '?' : ms(t.tdur))).join(', ')} ms; tasks over ${overUs / 1000} ms of thread time: ${longByCpu.length}${longByCpu.length ? ` (${longByCpu.map((t) => ms(t.tdur)).join(', ')})` : ''}`,
);
for (const task of long) {
  const end = task.ts + (task.dur ?? 0);
  const inside = onMain.filter((e) => e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end);
  const names = new Map<string, number>();
  for (const e of inside) {
    const label =
      e.name === 'FunctionCall' || e.name === 'EvaluateScript'
        ? `${e.name} ${e.args?.data?.functionName ?? ''} ${(e.args?.data?.url ?? '').split('/').pop()}`
        : e.name;
    add(names, label, e.dur ?? 0);
    add(allEvents, label, e.dur ?? 0);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let prev = task.ts;
  for (const s of samples) {
    if (s.ts < task.ts) continue;
    if (s.ts > end) break;
    const spent = s.ts - prev;
    prev = s.ts;
    add(self, s.fn, spent);
    add(allSelf, s.fn, spent);
    for (const fn of new Set(s.stack)) {
      add(inclusive, fn, spent);
      add(allInclusive, fn, spent);
    }
  }
  console.log(
    `\ntask at ${(task.ts / 1000).toFixed(0)} ms, ${((task.dur ?? 0) / 1000).toFixed(1)} ms (thread time ${task.tdur === undefined ? '?' : ((task.tdur ?? 0) / 1000).toFixed(1)} ms)`,
  );
  console.log('  events (inclusive):\n    ' + topOf(names, 12).join('\n    '));
  console.log('  JS self:\n    ' + topOf(self, 10).join('\n    '));
}
console.log('\nall long tasks, events (inclusive):\n  ' + topOf(allEvents, top).join('\n  '));
console.log('all long tasks, JS self:\n  ' + topOf(allSelf, top).join('\n  '));
console.log('all long tasks, JS inclusive:\n  ' + topOf(allInclusive, top).join('\n  '));
