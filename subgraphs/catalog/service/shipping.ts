/**
 * Stores' shipping (docs/catalog.md, "Shipping"): the handling time (days to
 * ship after payment) and the shipping options, set by the store's owner with
 * setShippingOptions and read by anyone (Store.handlingDays,
 * Store.shippingOptions) and by checkout (the quote carries each store's).
 *
 * A store that never set options (or set an empty list) ships with the
 * defaults, as every store did before: STANDARD free and EXPRESS at the global
 * fee (EXPRESS_SHIPPING_FEE_CENTS), everywhere. A store that never set its
 * handling time shows ORDER_SHIPPING_WINDOW_S in whole days (rounded up), and
 * its orders keep the global shipping window.
 */
import { z } from 'zod';
import type { Viewer } from '../../../platform/auth.ts';
import { COUNTRY_CODES } from '../../../platform/countries.ts';
import { fail, forbidden } from '../../../platform/errors.ts';
import { isId, parseMoney } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';

export const SHIPPING_METHODS = ['STANDARD', 'EXPRESS'] as const;
export type ShippingMethod = (typeof SHIPPING_METHODS)[number];

/** One option as stored and as quoted to checkout: cost in cents. */
export interface ShippingOption {
  method: ShippingMethod;
  /** ISO 3166-1 alpha-2; null: every country no other option of the method names. */
  country: string | null;
  cost: number;
  minDays: number;
  maxDays: number;
}

/** Delivery times of the default options (days after the handling time). */
export const DEFAULT_DAYS: Record<ShippingMethod, { minDays: number; maxDays: number }> = {
  STANDARD: { minDays: 10, maxDays: 20 },
  EXPRESS: { minDays: 3, maxDays: 7 },
};

export const LIMITS = { handlingDays: [1, 30], options: 50, days: 90, cost: 1_000_000_00 } as const;

/** A store's shipping as clients and checkout see it. */
export interface StoreShipping {
  storeId: string;
  handlingDays: number;
  /** Whether the owner set the handling time (else: the global shipping window applies to its orders). */
  handlingSet: boolean;
  options: ShippingOption[];
}

const Option = z.object({
  method: z.enum(SHIPPING_METHODS, { error: 'The method is STANDARD or EXPRESS.' }),
  country: z
    .string('The country is a code such as "US", or null for everywhere else.')
    .trim()
    .toUpperCase()
    .refine((c) => COUNTRY_CODES.has(c), 'The country must be an ISO 3166-1 alpha-2 code such as "US", or null for everywhere else.')
    .nullish()
    .transform((c) => c ?? null),
  cost: z
    .string('The cost is an amount such as "4.99".')
    .refine((s) => !s.trim().startsWith('-'), 'The cost cannot be negative.')
    .transform((s) => parseMoney(s, LIMITS.cost))
    .refine((c) => c !== null, 'The cost is an amount such as "4.99" (at most 1000000.00).')
    .transform((c) => c as number),
  minDays: z.number().int('minDays is a whole number of days.').min(0, 'minDays cannot be negative.').max(LIMITS.days, `minDays is at most ${LIMITS.days}.`),
  maxDays: z.number().int('maxDays is a whole number of days.').min(0, 'maxDays cannot be negative.').max(LIMITS.days, `maxDays is at most ${LIMITS.days}.`),
});

const SetShipping = z
  .object({
    handlingDays: z
      .number()
      .int('handlingDays is a whole number of days.')
      .min(LIMITS.handlingDays[0], `handlingDays is ${LIMITS.handlingDays[0]}–${LIMITS.handlingDays[1]}.`)
      .max(LIMITS.handlingDays[1], `handlingDays is ${LIMITS.handlingDays[0]}–${LIMITS.handlingDays[1]}.`),
    options: z.array(Option).max(LIMITS.options, `At most ${LIMITS.options} shipping options.`),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.options.forEach((o, i) => {
      if (o.minDays > o.maxDays) ctx.addIssue({ code: 'custom', message: 'minDays cannot be more than maxDays.', path: ['options', i, 'minDays'] });
      const key = `${o.method}:${o.country ?? '*'}`;
      if (seen.has(key)) {
        const where = o.country ? `to ${o.country}` : 'to everywhere else';
        ctx.addIssue({ code: 'custom', message: `Two ${o.method} options ${where}: one option per method and country.`, path: ['options', i] });
      }
      seen.add(key);
    });
  });

export interface SetShippingInput {
  storeId: string;
  handlingDays: number;
  options: { method: string; country?: string | null; cost: string; minDays: number; maxDays: number }[];
}

export class ShippingService {
  constructor(private readonly deps: SubgraphDeps) {}

  /** The defaults every store without options of its own ships with. */
  defaultOptions(): ShippingOption[] {
    return [
      { method: 'STANDARD', country: null, cost: 0, ...DEFAULT_DAYS.STANDARD },
      { method: 'EXPRESS', country: null, cost: this.deps.config.expressShippingFee, ...DEFAULT_DAYS.EXPRESS },
    ];
  }

  /** ORDER_SHIPPING_WINDOW_S in whole days, rounded up: the handling time of a store that set none. */
  defaultHandlingDays(): number {
    return Math.max(1, Math.ceil(this.deps.config.orderClock.shippingWindowS / 86_400));
  }

  /** What a stored row (or none) means: defaults where the owner set nothing. */
  effective(storeId: string, row: q.StoreShippingRow | null): StoreShipping {
    const options = row?.options.length ? (row.options as ShippingOption[]) : this.defaultOptions();
    return { storeId, handlingDays: row?.handlingDays ?? this.defaultHandlingDays(), handlingSet: Boolean(row), options };
  }

  /** Stores' shipping, in the order of `storeIds` (checkout's quote, the loader). */
  async ofStores(storeIds: readonly string[]): Promise<StoreShipping[]> {
    const rows = await q.shippingOfStores(this.deps.db.drizzle, storeIds.filter(isId));
    return storeIds.map((id) => this.effective(id, rows.find((r) => r.storeId === id) ?? null));
  }

  /** setShippingOptions: the store's owner replaces its handling time and options. */
  async setShippingOptions(viewer: Viewer, input: SetShippingInput): Promise<q.StoreRow> {
    if (!isId(input.storeId)) fail('NOT_FOUND', 'Store not found.', ['storeId']);
    const [store] = await q.storesByIds(this.deps.db.drizzle, [input.storeId]);
    if (!store) fail('NOT_FOUND', 'Store not found.', ['storeId']);
    if (store.ownerId !== viewer.id) throw forbidden("Only the store's owner can set its shipping options.");
    const valid = validInput(SetShipping, { handlingDays: input.handlingDays, options: input.options });
    await q.saveShipping(this.deps.db.drizzle, {
      storeId: store.id,
      handlingDays: valid.handlingDays,
      options: valid.options,
      updatedAt: this.deps.clock.now(),
    });
    return store;
  }
}
