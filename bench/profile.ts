/**
 * Where the time goes: `npx tsx bench/profile.ts <file.cpuprofile | dir>`
 * prints the functions with the most self time and the packages they live in.
 * Profiles come from `npm run bench -- --cpu-prof` (one per gateway process).
 */
import fs from 'node:fs';
import path from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (!url) return '(native/vm)';
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
}

export function summarise(file: string, top = 25): string {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    const w = where(n.callFrame.url);
    const key = `${name} — ${w}${n.callFrame.url && !w.startsWith('(') ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const pk = /^(\(|node:)/.test(w) ? w : w.includes('/') && !w.startsWith('@') ? w.split('/').slice(0, 1)[0] + '/' : w;
    pkg.set(pk, (pkg.get(pk) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
  const lines = [`${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled`, '', 'by package:'];
  for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 12)) lines.push(`  ${pct(v).padStart(6)}  ${k}`);
  lines.push('', 'by function (self time):');
  for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v).padStart(6)}  ${k}`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === `file://${path.resolve(process.argv[1])}`) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: tsx bench/profile.ts <file.cpuprofile | directory>');
    process.exit(2);
  }
  const files = fs.statSync(target).isDirectory()
    ? fs
        .readdirSync(target)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(target, f))
    : [target];
  for (const f of files) console.log(summarise(f) + '\n');
}
