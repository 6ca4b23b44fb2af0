// Guards postgres.js 3.4.9 against a connection that closes while a write is
// buffered (porsager/postgres#1154, #1208; fix proposed upstream in #1168 and
// #1209, not released). Without it, terminating a backend under load makes the
// driver call `socket.write` on a null socket from a setImmediate callback: an
// uncaught TypeError that takes the whole process down.
//
// The patch, applied to the ESM and CJS builds by `npm install` (postinstall):
// - nextWrite: when the socket is gone, drop the buffered bytes and settle the
//   waiting queries with a catchable CONNECTION_CLOSED instead of throwing
//   (and report the connection as writable, so the pool does not park it in
//   its `full` queue for good);
// - terminate/closed: forget the cancelled write timer and the buffered bytes,
//   so a reconnected socket never starts with a stale timer or half a message;
// - transactions and reserved connections (index.js): a query sent on a
//   connection that has closed (or is reconnecting for someone else) is
//   rejected with CONNECTION_CLOSED at once, instead of being written into
//   another caller's fresh session.
//
// Idempotent. Exits 1 when postgres is installed at another version, so the
// pin and the patch are revisited together (docs/operations.md).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EXPECTED_VERSION = '3.4.9';
const MARKER = '/* marketplace: guarded nextWrite */';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'postgres');

const connectionEdits = [
  {
    from: 'function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    to:
      'function nextWrite(fn) {\n' +
      `    ${MARKER}\n` +
      '    if (!socket) {\n' +
      '      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n' +
      '      chunk = nextWriteTimer = null\n' +
      "      error(Errors.connection('CONNECTION_CLOSED', options))\n" +
      '      return true\n' +
      '    }\n' +
      '    const x = socket.write(chunk, fn)',
  },
  {
    from: "      error(Errors.connection('CONNECTION_DESTROYED', options))\n\n    clearImmediate(nextWriteTimer)\n",
    to: "      error(Errors.connection('CONNECTION_DESTROYED', options))\n\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n",
  },
  {
    from: '    incomings = null\n    clearImmediate(nextWriteTimer)\n',
    to: '    incomings = null\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n',
  },
];

const DEAD = `c.queue === closed || c.queue === connecting ${MARKER.replace('nextWrite', 'reserved connection')}\n`;
const indexEdits = [
  {
    // reserve()
    from: '    function handler(q) {\n      c.queue === full\n        ? queue.push(q)\n',
    to: `    function handler(q) {\n      ${DEAD}        ? q.reject(Errors.connection('CONNECTION_CLOSED', options))\n        : c.queue === full\n        ? queue.push(q)\n`,
  },
  {
    // begin()
    from: '        c.queue === full\n          ? queries.push(q)\n',
    to: `        ${DEAD}          ? q.reject(Errors.connection('CONNECTION_CLOSED', options))\n          : c.queue === full\n          ? queries.push(q)\n`,
  },
];

if (!existsSync(root)) process.exit(0); // not installed (e.g. a partial install): nothing to guard
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
if (version !== EXPECTED_VERSION) {
  console.error(`patch-postgres: postgres ${version} is installed, the patch is for ${EXPECTED_VERSION}; revisit scripts/patch-postgres.mjs`);
  process.exit(1);
}

const files = {
  'src/connection.js': connectionEdits,
  'cjs/src/connection.js': connectionEdits,
  'src/index.js': indexEdits,
  'cjs/src/index.js': indexEdits,
};
for (const [file, edits] of Object.entries(files)) {
  const path = join(root, file);
  let text = readFileSync(path, 'utf8');
  if (text.includes('/* marketplace: guarded')) continue;
  for (const { from, to } of edits) {
    if (text.split(from).length !== 2) {
      console.error(`patch-postgres: ${file} does not contain the expected code once; revisit scripts/patch-postgres.mjs`);
      process.exit(1);
    }
    text = text.replace(from, to);
  }
  writeFileSync(path, text);
}
