/** Scalars and value formats shared by every subgraph. */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'ISO-8601 string in UTC',
  serialize(value) {
    const d = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return d.toISOString();
  },
  parseValue(value) {
    return parseDateTime(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDateTime(ast.value);
  },
});

function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new GraphQLError('DateTime must be an ISO-8601 string such as 2026-11-23T10:00:00.000Z', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new GraphQLError('DateTime is not a valid date', { extensions: { code: 'BAD_USER_INPUT' } });
  return d;
}

export const CURRENCY = 'USD';

/** Integer minor units to the API's Money. */
export function money(cents: number | bigint): { amount: string; currencyCode: string } {
  const n = Number(cents);
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(n);
  return { amount: `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`, currencyCode: CURRENCY };
}

/** A decimal string ("19.99") to minor units; null when it is not one. */
export function parseMoney(input: string, max = 100_000_000_00): number | null {
  const m = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(input.trim());
  if (!m) return null;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(cents) || cents > max) return null;
  return cents;
}

/** Opaque cursors: base64url of a JSON value. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | null | undefined): T | null {
  if (!cursor) return null;
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as T;
  } catch {
    throw new GraphQLError('The cursor is not valid.', { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

/** `first` with the API's default 20 and maximum 100. */
export function pageSize(first: number | null | undefined, def = 20, max = 100): number {
  if (first === null || first === undefined) return def;
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw new GraphQLError(`first must be between 0 and ${max}`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return first;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids are UUIDs; anything else cannot exist. */
export function isId(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}
