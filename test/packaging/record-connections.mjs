// Preloaded (`node --import`) into a server process by test/packaging/telemetry.test.ts:
// appends the host of every outgoing TCP connection the process opens, and of
// every name it looks up, to RECORD_CONNECTIONS_FILE. It observes; it changes
// nothing about the connection.
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';

const file = process.env.RECORD_CONNECTIONS_FILE;
const record = (line) => {
  if (file) fs.appendFileSync(file, `${line}\n`);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // http and undici call connect with one normalized [options, callback] array
  let [first, second] = Array.isArray(args[0]) ? args[0] : args;
  let host;
  if (first && typeof first === 'object') host = first.path ?? `${first.host ?? 'localhost'}:${first.port}`;
  else if (typeof first === 'number' || typeof first === 'string') host = `${typeof second === 'string' ? second : 'localhost'}:${first}`;
  record(`connect ${host}`);
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (hostname, ...rest) {
  record(`lookup ${hostname}`);
  return lookup.call(this, hostname, ...rest);
};
