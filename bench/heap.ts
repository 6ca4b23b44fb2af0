/**
 * What a heap holds: `npx tsx bench/heap.ts <file.heapsnapshot> [count]`
 * prints the object kinds (constructor names) with the most self size, with
 * their counts, e.g. to find what each idle subscription costs (divide by the
 * number of subscribers). Snapshots come from `npm run bench -- --heap-snapshot`.
 */
import fs from 'node:fs';

const [file, countArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/heap.ts <file.heapsnapshot> [subscribers]');
  process.exit(1);
}
const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
const fields: string[] = snap.snapshot.meta.node_fields;
const types: string[] = snap.snapshot.meta.node_types[0];
const width = fields.length;
const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
const nodes: number[] = snap.nodes;
const strings: string[] = snap.strings;
const by = new Map<string, { count: number; size: number }>();
let total = 0;
for (let i = 0; i < nodes.length; i += width) {
  const type = types[nodes[i + typeAt]];
  const name = type === 'object' || type === 'closure' ? strings[nodes[i + nameAt]] : `(${type})`;
  const key = type === 'closure' ? `closure ${name || '(anonymous)'}` : name;
  const e = by.get(key) ?? { count: 0, size: 0 };
  e.count++;
  e.size += nodes[i + sizeAt];
  by.set(key, e);
  total += nodes[i + sizeAt];
}
const per = Number(countArg) || 0;
console.log(`total ${(total / 2 ** 20).toFixed(1)} MB${per ? `, ${Math.round(total / per)} B per subscriber` : ''}`);
for (const [k, v] of [...by].sort((a, b) => b[1].size - a[1].size).slice(0, 40)) {
  console.log(`${(v.size / 2 ** 20).toFixed(2).padStart(8)} MB ${String(v.count).padStart(8)} ${per ? `${(v.size / per).toFixed(0).padStart(6)} B/sub ${(v.count / per).toFixed(1).padStart(5)}/sub ` : ''} ${k}`);
}
