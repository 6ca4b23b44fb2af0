/**
 * The one parser of environment variables (zod), for the platform's
 * configuration (config.ts) and the gateway's options (security limits,
 * metrics, subscriptions).
 *
 * A variable is declared once, with its kind and its default:
 *
 *     const s = readEnv(process.env, {
 *       MAX_DEPTH: envVar.int(12),                        // whole number ≥ 0
 *       PORT: envVar.int(4000, { max: 65535 }),
 *       SUBGRAPH_DEDUPLICATION: envVar.bool(true),
 *       SEED: envVar.oneOf(['demo', 'none'], 'demo'),
 *     });
 *
 * Unset or empty: the default. Anything else is checked, and the first bad
 * variable stops `readEnv` with a `ConfigError` whose message is one line
 * naming it (`MAX_DEPTH must be a whole number, got "deep"`); the entry points
 * print that line and exit 1 (platform/process.ts).
 */
import { z } from 'zod';

export type Env = Record<string, string | undefined>;

/** A configuration value that cannot be used: one line, naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** One variable's schema: from the raw text (or nothing) to its value. */
export type EnvVar<T> = z.ZodType<T, string | undefined>;

/** Unset and empty are the same: the default applies. */
function withDefault<T>(schema: z.ZodType<T, string>, def: T): EnvVar<T> {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === '' ? undefined : raw))
    .pipe(schema.optional())
    .transform((v) => (v === undefined ? def : v)) as unknown as EnvVar<T>;
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

function wholeNumber(min: number, max: number): z.ZodType<number, string> {
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
  return z
    .string()
    .regex(/^\s*\d+\s*$/, { error: (iss) => `must be a whole number, got "${String(iss.input)}"` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: (iss) => `must be ${range}, got ${String(iss.input)}` })
        .max(max, { error: (iss) => `must be ${range}, got ${String(iss.input)}` }),
    );
}

export const envVar = {
  /** A whole number (digits only) from `min` (default 0) to `max`. */
  int(def: number, { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}): EnvVar<number> {
    return withDefault(wholeNumber(min, max), def);
  },

  /** true/1/yes/on or false/0/no/off, any case. */
  bool(def: boolean): EnvVar<boolean> {
    return withDefault(
      z
        .string()
        .transform((s) => s.trim().toLowerCase())
        .refine((s) => TRUE.includes(s) || FALSE.includes(s), { error: (iss) => `must be true or false, got "${String(iss.input)}"` })
        .transform((s) => TRUE.includes(s)),
      def,
    );
  },

  /** One of `values` (given in any case). */
  oneOf<const V extends string>(values: readonly V[], def: V): EnvVar<V> {
    return withDefault(
      z
        .string()
        .transform((s) => s.trim().toLowerCase())
        .refine((s): s is V => (values as readonly string[]).includes(s), {
          error: (iss) => `must be one of ${values.join(', ')}, got "${String(iss.input)}"`,
        }) as unknown as z.ZodType<V, string>,
      def,
    );
  },

  /** Free text; unset or empty is `def`. */
  text<D extends string | undefined>(def: D): EnvVar<string | D> {
    return withDefault(z.string() as z.ZodType<string, string>, def as string | D) as EnvVar<string | D>;
  },

  /** An http(s) URL. */
  httpUrl(def: string): EnvVar<string> {
    return withDefault(
      z.string().refine(
        (s) => {
          try {
            const u = new URL(s);
            return u.protocol === 'http:' || u.protocol === 'https:';
          } catch {
            return false;
          }
        },
        { error: (iss) => `must be an http(s) URL, got "${String(iss.input)}"` },
      ),
      def,
    );
  },

  /** A PostgreSQL URL (postgres:// or postgresql://, with a host); unset: undefined. */
  postgresUrl(): EnvVar<string | undefined> {
    return withDefault(
      z.string().superRefine((s, ctx) => {
        let u: URL;
        try {
          u = new URL(s);
        } catch {
          ctx.addIssue({ code: 'custom', message: 'is not a valid URL (expected postgres://user@host:port/database)' });
          return;
        }
        if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
          ctx.addIssue({ code: 'custom', message: `must start with postgres:// or postgresql://, got ${u.protocol}//` });
        } else if (!u.hostname) {
          ctx.addIssue({ code: 'custom', message: 'has no host' });
        }
      }) as z.ZodType<string, string>,
      undefined as string | undefined,
    );
  },
};

type Spec = Record<string, EnvVar<unknown>>;
export type EnvValues<S extends Spec> = { [K in keyof S]: z.output<S[K]> };

/**
 * The variables of `spec`, read from `env` and checked in the order given;
 * the first bad one throws a `ConfigError` naming it.
 */
export function readEnv<S extends Spec>(env: Env, spec: S): EnvValues<S> {
  const raw: Record<string, string | undefined> = {};
  for (const name of Object.keys(spec)) raw[name] = env[name];
  const result = z.object(spec).safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`${String(issue.path[0])} ${issue.message}`);
  }
  return result.data as EnvValues<S>;
}
