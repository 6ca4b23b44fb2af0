// The container HEALTHCHECK: `node scripts/healthcheck.mjs [gateway|users|catalog|orders|messaging|promotions]`
// asks that service's GET /health on this machine (the port from PORT or
// <NAME>_PORT, with the same defaults as platform/config.ts) and exits 0
// when it answers 200, 1 otherwise. The gateway's /health is 200 only when
// every subgraph answers its own (docs/operations.md, "Endpoints for operators").
const DEFAULT_PORTS = { gateway: 4000, users: 4001, catalog: 4002, orders: 4003, messaging: 4004, promotions: 4005 };
const service = process.argv[2] ?? 'gateway';
if (!(service in DEFAULT_PORTS)) {
  process.stderr.write(`usage: node scripts/healthcheck.mjs <${Object.keys(DEFAULT_PORTS).join('|')}>\n`);
  process.exit(2);
}
const variable = service === 'gateway' ? 'PORT' : `${service.toUpperCase()}_PORT`;
const port = Number(process.env[variable] || DEFAULT_PORTS[service]);
try {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) });
  process.stdout.write(`${service} /health: ${res.status} ${await res.text()}\n`);
  process.exit(res.status === 200 ? 0 : 1);
} catch (err) {
  process.stdout.write(`${service} /health: ${err.message}\n`);
  process.exit(1);
}
