// What grew between two V8 heap snapshots (bench/store.ts --snapshots): self bytes and counts
// per constructor or node name, the largest growth first.
//   node --import tsx bench/heap-diff.ts before.heapsnapshot after.heapsnapshot [rows]
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self bytes and count per "type:name" of a snapshot. */
function totals(path: string): Map<string, { bytes: number; count: number }> {
  const heap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const at = (name: string) => fields.indexOf(name);
  const [typeAt, nameAt, sizeAt] = [at('type'), at('name'), at('self_size')];
  const byName = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt]!]!;
    const name =
      type === 'object' || type === 'native' ? heap.strings[heap.nodes[i + nameAt]!] : '';
    const key = `${type}:${name}`;
    const entry = byName.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += heap.nodes[i + sizeAt]!;
    entry.count++;
    byName.set(key, entry);
  }
  return byName;
}

const [beforePath, afterPath, rowsText] = process.argv.slice(2);
if (!beforePath || !afterPath) throw new Error('usage: heap-diff.ts before after [rows]');
const before = totals(beforePath);
const after = totals(afterPath);
const rows = [...after.entries()]
  .map(([key, a]) => {
    const b = before.get(key) ?? { bytes: 0, count: 0 };
    return { key, bytes: a.bytes - b.bytes, count: a.count - b.count, after: a.bytes };
  })
  .sort((x, y) => y.bytes - x.bytes)
  .slice(0, Number(rowsText ?? 25));
for (const row of rows)
  console.log(
    `${String(row.bytes).padStart(12)} B  ${String(row.count).padStart(9)} objects  (${row.after} B after)  ${row.key.slice(0, 100)}`,
  );
