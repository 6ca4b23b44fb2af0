/**
 * Identity for every subgraph and the gateway.
 *
 * Access tokens are EdDSA (Ed25519) JWTs signed by the users subgraph. The key
 * comes from AUTH_PRIVATE_KEY / AUTH_PUBLIC_KEY (PEM), or is generated once and
 * kept in `DATA_DIR/auth-ed25519.pem` for the embedded default. Verification
 * accepts only EdDSA with our issuer and audience, so `alg: none`, other keys,
 * garbage and expired tokens are all refused.
 *
 * A token that is present but not good (garbage, another key, expired, a
 * revoked session) is refused with UNAUTHENTICATED and `extensions.reason`
 * TOKEN_EXPIRED (refresh it) or TOKEN_INVALID (anything else, a revoked
 * session included: sign in again). `authenticate` turns that into a guest
 * with the reason, so public fields and the sign-in mutations still work and
 * only what needs a viewer is refused, with the reason (`withTokenReason`).
 *
 * Revocation is an event (`session.revoked`, `user.deactivated`): every
 * `AuthVerifier` applies it from the event bus and tells its `onRevoke`
 * listeners (the gateway closes that session's websockets).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT, jwtVerify, importPKCS8, importSPKI, type CryptoKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Config } from './config.ts';
import type { BusEvent, EventBus } from './events/bus.ts';

/** Why a token present in a request was not accepted (`extensions.reason` of UNAUTHENTICATED). */
export type TokenReason = 'TOKEN_EXPIRED' | 'TOKEN_INVALID';
export const TOKEN_REASONS: readonly TokenReason[] = ['TOKEN_EXPIRED', 'TOKEN_INVALID'];

/** A request's identity: a viewer, a guest (null), or a guest whose token was refused, and why. */
export interface Authentication {
  viewer: Viewer | null;
  /** Set when a token was given and refused. */
  reason?: TokenReason;
  /** What to tell the client about the refused token. */
  message?: string;
  /** The refused token's session was revoked (sign-out, password change, deactivation). */
  revoked?: boolean;
}

/** UNAUTHENTICATED with the token's reason. */
export function tokenRefused(reason: TokenReason, message: string, revoked = false): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', reason, ...(revoked ? { revoked: true } : {}), http: { status: 200 } } });
}

const EXPIRED = 'The access token has expired.';
const INVALID = 'The access token is invalid.';
const ENDED = 'This session has ended. Sign in again.';

/**
 * In the answer to a request whose token was refused (`reason`), every
 * UNAUTHENTICATED error carries `extensions.reason` (changed in place).
 */
export function withTokenReason<T extends readonly GraphQLFormattedError[]>(errors: T, reason: TokenReason | undefined): T {
  if (!reason) return errors;
  for (const e of errors) {
    const ext = e.extensions as Record<string, unknown> | undefined;
    if (ext?.code === 'UNAUTHENTICATED' && ext.reason === undefined) ext.reason = reason;
  }
  return errors;
}

/** `withTokenReason` as an Apollo Server plugin (the gateway's; the subgraphs' executor applies it itself). */
export function tokenReasonPlugin<C>(reasonOf: (context: C) => TokenReason | undefined): ApolloServerPlugin<C & object> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const reason = contextValue ? reasonOf(contextValue) : undefined;
          if (response.body.kind === 'single') withTokenReason(response.body.singleResult.errors ?? [], reason);
        },
      };
    },
  };
}

export const ISSUER = 'marketplace-users';
export const AUDIENCE = 'marketplace';
export const REVOCATION_TOPICS = ['session.revoked', 'user.deactivated'];

export interface Viewer {
  id: string;
  sessionId: string;
  roles: string[];
  /** The raw bearer token, forwarded to other subgraphs. */
  token: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface AuthKeys {
  privatePem?: string;
  publicPem: string;
}

/** Keys from configuration, or generated and kept under DATA_DIR. */
export function loadKeys(config: Config, opts: { persist?: boolean } = { persist: true }): AuthKeys {
  if (config.authPrivateKey) {
    const publicPem = crypto.createPublicKey(config.authPrivateKey).export({ type: 'spki', format: 'pem' }).toString();
    return { privatePem: config.authPrivateKey, publicPem };
  }
  if (config.authPublicKey) return { publicPem: config.authPublicKey };
  const file = path.join(config.dataDir, 'auth-ed25519.pem');
  let privatePem: string;
  if (opts.persist && fs.existsSync(file)) {
    privatePem = fs.readFileSync(file, 'utf8');
  } else {
    privatePem = crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    if (opts.persist) {
      fs.mkdirSync(config.dataDir, { recursive: true });
      fs.writeFileSync(file, privatePem, { mode: 0o600 });
    }
  }
  const publicPem = crypto.createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }).toString();
  return { privatePem, publicPem };
}

export function generateKeys(): AuthKeys {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export class TokenSigner {
  private key?: Promise<CryptoKey>;
  constructor(
    private readonly keys: AuthKeys,
    private readonly ttlS: number,
  ) {}

  /**
   * An HMAC-SHA256 (base64url) of `data` under a key derived from the signing
   * key and `purpose`: for values only this system can make and check (an
   * email's unsubscribe link, a decoy security question).
   */
  mac(purpose: string, data: string): string {
    if (!this.keys.privatePem) throw new Error('this process has no signing key');
    const key = crypto.createHmac('sha256', this.keys.privatePem).update(`marketplace:${purpose}`).digest();
    return crypto.createHmac('sha256', key).update(data).digest('base64url');
  }

  async sign(claims: { userId: string; sessionId: string; roles: string[] }): Promise<{ token: string; exp: number }> {
    if (!this.keys.privatePem) throw new Error('this process has no signing key');
    this.key ??= importPKCS8(this.keys.privatePem, 'EdDSA');
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.ttlS;
    const token = await new SignJWT({ sid: claims.sessionId, roles: claims.roles })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(crypto.randomUUID())
      .sign(await this.key);
    return { token, exp };
  }
}

export interface Revocation {
  sessionIds?: string[];
  userId?: string;
}

/**
 * Verifies access tokens. A token verified once is remembered (the most recent
 * `cacheSize`, default 10,000), so a client's next requests skip the Ed25519
 * check in the gateway and in every subgraph they reach; expiry and revocation
 * are still checked on every use.
 */
export class AuthVerifier {
  private key: Promise<CryptoKey>;
  /** token -> viewer, the `cacheSize` most recently used (none when 0). */
  private verified: LRUCache<string, Viewer> | undefined;
  private revokedSessions = new Map<string, number>(); // sid -> forget after (ms)
  private revokedUsers = new Set<string>();
  private listeners = new Set<(r: Revocation) => void>();
  private unsubscribe?: () => void;

  constructor(
    keys: AuthKeys,
    private readonly accessTtlS: number,
    private readonly cacheSize = 10_000,
  ) {
    this.key = importSPKI(keys.publicPem, 'EdDSA');
    this.verified = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
  }

  /** Apply revocations from the bus: recent history first, then live. */
  async attach(bus: EventBus): Promise<void> {
    const since = new Date(Date.now() - (this.accessTtlS + 120) * 1000);
    for (const e of await bus.history(['session.revoked', 'user.deactivated'], since, ['user.deactivated'])) {
      this.apply(e.topic, e.payload, false);
    }
    this.unsubscribe = bus.onEvent((e: BusEvent) => this.apply(e.topic, e.payload, true), undefined, REVOCATION_TOPICS);
  }

  detach(): void {
    this.unsubscribe?.();
  }

  onRevoke(listener: (r: Revocation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private apply(topic: string, payload: Record<string, unknown>, live: boolean): void {
    const forgetAt = Date.now() + (this.accessTtlS + 120) * 1000;
    let r: Revocation;
    if (topic === 'user.deactivated') {
      const userId = String(payload.userId);
      this.revokedUsers.add(userId);
      r = { userId };
    } else {
      const ids = (payload.sessionIds as string[]) ?? [];
      for (const sid of ids) this.revokedSessions.set(sid, forgetAt);
      r = { sessionIds: ids, userId: payload.userId as string | undefined };
    }
    if (this.revokedSessions.size > 10_000) {
      const now = Date.now();
      for (const [sid, at] of this.revokedSessions) if (at < now) this.revokedSessions.delete(sid);
    }
    if (live) for (const l of this.listeners) l(r);
  }

  isRevoked(v: { id: string; sessionId: string }): boolean {
    return this.revokedUsers.has(v.id) || this.revokedSessions.has(v.sessionId);
  }

  /**
   * The viewer of an `Authorization` header value: null without one; a GraphQL
   * UNAUTHENTICATED error (`extensions.reason`, see TokenReason) for anything
   * present but not a valid, live token.
   */
  async verify(authorization: string | undefined | null): Promise<Viewer | null> {
    if (!authorization) return null;
    const m = /^Bearer\s+([A-Za-z0-9\-_.]+)$/.exec(authorization.trim());
    if (!m) throw tokenRefused('TOKEN_INVALID', 'The access token is malformed.');
    const token = m[1];
    const known = this.verified?.get(token);
    if (known) {
      if (known.exp * 1000 <= Date.now()) {
        this.verified!.delete(token);
        throw tokenRefused('TOKEN_EXPIRED', EXPIRED);
      }
      if (this.isRevoked(known)) throw tokenRefused('TOKEN_INVALID', ENDED, true);
      return known;
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.key, {
        algorithms: ['EdDSA'],
        issuer: ISSUER,
        audience: AUDIENCE,
      }));
    } catch (err) {
      const expired = (err as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw expired ? tokenRefused('TOKEN_EXPIRED', EXPIRED) : tokenRefused('TOKEN_INVALID', INVALID);
    }
    const viewer: Viewer = {
      id: String(payload.sub),
      sessionId: String(payload.sid),
      roles: Array.isArray(payload.roles) ? payload.roles.map(String) : [],
      token,
      exp: Number(payload.exp),
    };
    if (!payload.sub || !payload.sid) throw tokenRefused('TOKEN_INVALID', INVALID);
    if (this.isRevoked(viewer)) throw tokenRefused('TOKEN_INVALID', ENDED, true);
    if (this.verified) {
      Object.freeze(viewer.roles);
      this.verified.set(token, Object.freeze(viewer));
    }
    return viewer;
  }

  /**
   * Like `verify`, but a refused token makes a guest with the reason instead
   * of an error: public fields and the sign-in mutations still work, and what
   * needs a viewer is refused with the reason (`withTokenReason`).
   */
  async authenticate(authorization: string | undefined | null): Promise<Authentication> {
    try {
      return { viewer: await this.verify(authorization) };
    } catch (err) {
      const ext = (err as { extensions?: Record<string, unknown> }).extensions;
      const reason = ext?.reason;
      if (ext?.code !== 'UNAUTHENTICATED' || (reason !== 'TOKEN_EXPIRED' && reason !== 'TOKEN_INVALID')) throw err;
      return { viewer: null, reason, message: (err as Error).message, revoked: ext.revoked === true };
    }
  }
}
