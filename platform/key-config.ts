/**
 * The signing keys' configuration, checked when the configuration is read:
 * a malformed AUTH_PRIVATE_KEY / AUTH_PUBLIC_KEY stops the process with one
 * line naming the variable (a `ConfigError`), instead of an OpenSSL decoder
 * error from the first token signed or verified.
 *
 * AUTH_PRIVATE_KEY_FILE / AUTH_PUBLIC_KEY_FILE name a PEM file instead (a
 * multi-line PEM does not fit an `.env` file; docker-compose.yml mounts the key
 * as a file).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

type Env = Record<string, string | undefined>;
/** Throws the caller's configuration error (config.ts passes one making a ConfigError). */
type Fail = (message: string) => never;

function pemFrom(env: Env, name: string, fail: Fail): { pem: string; from: string } | undefined {
  const inline = env[name];
  const file = env[`${name}_FILE`];
  if (inline && file) fail(`${name} and ${name}_FILE are both set; set one`);
  if (inline) return { pem: inline, from: name };
  if (!file) return undefined;
  try {
    return { pem: fs.readFileSync(file, 'utf8'), from: `${name}_FILE` };
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    return fail(`${name}_FILE cannot be read (${code}): ${file}`);
  }
}

/** AUTH_PRIVATE_KEY (or AUTH_PRIVATE_KEY_FILE): an Ed25519 private key, PKCS#8 PEM. */
export function privateKeyFromEnv(env: Env, fail: Fail): string | undefined {
  const got = pemFrom(env, 'AUTH_PRIVATE_KEY', fail);
  if (!got) return undefined;
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(got.pem);
  } catch {
    return fail(`${got.from} is not a PEM private key (expected an Ed25519 key in PKCS#8 PEM, as made by: openssl genpkey -algorithm ed25519)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    fail(`${got.from} must be an Ed25519 key, got ${key.asymmetricKeyType ?? 'another kind of key'}`);
  }
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** AUTH_PUBLIC_KEY (or AUTH_PUBLIC_KEY_FILE): an Ed25519 public key, SPKI PEM. */
export function publicKeyFromEnv(env: Env, fail: Fail): string | undefined {
  const got = pemFrom(env, 'AUTH_PUBLIC_KEY', fail);
  if (!got) return undefined;
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey(got.pem);
  } catch {
    return fail(`${got.from} is not a PEM public key (expected an Ed25519 key in SPKI PEM)`);
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') {
    fail(`${got.from} must be an Ed25519 public key, got ${key.type} ${key.asymmetricKeyType ?? 'key'}`);
  }
  return key.export({ type: 'spki', format: 'pem' }).toString();
}
