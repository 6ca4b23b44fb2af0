/**
 * What a heap holds: `npx tsx bench/heap.ts <file.heapsnapshot> [count]`
 * prints the object kinds (constructor names) with the most self size, with
 * their counts, e.g. to find what each idle subscription costs (divide by the
 * number of subscribers). Snapshots come from `npm run bench -- --heap-snapshot`.
 *
 * `npx tsx bench/heap.ts <later.heapsnapshot> --diff <earlier.heapsnapshot>`
 * lists the kinds that grew most between two snapshots of one process (from
 * `npm run bench -- --soak --soak-heap-snapshots=orders`): what a leak is made of.
 */
import fs from 'node:fs';

type Kinds = { total: number; by: Map<string, { count: number; size: number }> };

function kinds(file: string): Kinds {
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
  return { total, by };
}

const argv = process.argv.slice(2);
const file = argv[0];
if (!file) {
  console.error('usage: npx tsx bench/heap.ts <file.heapsnapshot> [subscribers] | <later.heapsnapshot> --diff <earlier.heapsnapshot>');
  process.exit(1);
}
const mb = (b: number) => (b / 2 ** 20).toFixed(2).padStart(8);
if (argv[1] === '--diff' && argv[2]) {
  const later = kinds(file);
  const earlier = kinds(argv[2]);
  console.log(
    `total ${mb(earlier.total)} MB -> ${mb(later.total)} MB (${later.total >= earlier.total ? '+' : ''}${((later.total - earlier.total) / 2 ** 20).toFixed(2)} MB)`,
  );
  const rows = [...later.by].map(([k, v]) => {
    const e = earlier.by.get(k) ?? { count: 0, size: 0 };
    return { k, size: v.size - e.size, count: v.count - e.count };
  });
  for (const [k, e] of earlier.by) if (!later.by.has(k)) rows.push({ k, size: -e.size, count: -e.count });
  for (const r of rows.sort((a, b) => b.size - a.size).slice(0, 40)) console.log(`${mb(r.size)} MB ${String(r.count).padStart(8)}  ${r.k}`);
} else {
  const { total, by } = kinds(file);
  const per = Number(argv[1]) || 0;
  console.log(`total ${(total / 2 ** 20).toFixed(1)} MB${per ? `, ${Math.round(total / per)} B per subscriber` : ''}`);
  for (const [k, v] of [...by].sort((a, b) => b[1].size - a[1].size).slice(0, 40)) {
    console.log(
      `${mb(v.size)} MB ${String(v.count).padStart(8)} ${per ? `${(v.size / per).toFixed(0).padStart(6)} B/sub ${(v.count / per).toFixed(1).padStart(5)}/sub ` : ''} ${k}`,
    );
  }
}
