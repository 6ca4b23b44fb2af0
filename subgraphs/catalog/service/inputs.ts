/**
 * The store and product inputs as zod schemas, checked with platform/validate.ts
 * `validInput`: the first problem becomes one `userErrors` entry (INVALID_INPUT,
 * the field's path, a message in the person's words). Rules: docs/catalog.md.
 * Rules that need the database (unique names and SKUs, existing categories) are
 * the services'.
 */
import { z } from 'zod';
import { parseMoney } from '../../../platform/scalars.ts';
import { isHttpUrl } from '../../../platform/validate.ts';
import { storeNameKey } from './store-names.ts';
import { LIMITS } from './validate.ts';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Trimmed text of `min`–`max` characters without control characters (line breaks only when `multiline`). */
export function text(what: string, min: number, max: number, multiline = false) {
  const range = `${what} must be ${Math.max(min, 1)} to ${max} characters.`;
  return z
    .string({ error: `${what} is required.` })
    .trim()
    .min(min, range)
    .max(max, range)
    .refine((v) => !CONTROL.test(v) && (multiline || !/[\r\n\t]/.test(v)), `${what} contains characters that are not allowed.`);
}

/** Optional text: omitted stays undefined (unchanged), null or blank becomes null (cleared). */
function clearable(what: string, max: number) {
  return text(what, 0, max, true)
    .nullish()
    .transform((v) => (v === undefined ? undefined : v || null));
}

function httpUrl(message: string) {
  return z
    .string({ error: message })
    .trim()
    .refine((v) => v.length > 0 && v.length <= LIMITS.imageUrl && !CONTROL.test(v) && !/\s/.test(v) && isHttpUrl(v), message);
}

/**
 * A store name: 2–80 characters on one line (white space runs made one space),
 * kept as typed for display, with the key it is unique by (store-names.ts),
 * which must hold at least 2 visible characters.
 */
export const storeName = text('Store name', LIMITS.storeName[0], LIMITS.storeName[1]).transform((typed, ctx) => {
  const name = typed.replace(/\s+/g, ' ');
  const nameKey = storeNameKey(name);
  if (nameKey.replace(/\s/g, '').length < LIMITS.storeName[0]) {
    ctx.addIssue({ code: 'custom', message: `Store name must have at least ${LIMITS.storeName[0]} visible characters.` });
    return z.NEVER;
  }
  return { name, nameKey };
});

const storeDescription = clearable('Description', LIMITS.storeDescription);
/** A logo: omitted stays undefined (unchanged), null or blank becomes null (removed). */
const logoUrl = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? null : v),
  httpUrl('The logo must be an http(s) URL of at most 2048 characters.').nullish(),
);

export const OpenStoreInput = z.object({ name: storeName, description: storeDescription });

/** updateStore: every field optional; omitted stays, a null (or blank) description or logo is removed. */
export const UpdateStoreInput = z.object({
  name: storeName.nullish(),
  description: storeDescription,
  logoUrl,
});

export const price = z.string({ error: 'Price must be a decimal amount such as "19.99", at most 1000000.00.' }).transform((v, ctx) => {
  const cents = parseMoney(v, LIMITS.maxPriceCents);
  if (cents === null || cents <= 0) {
    ctx.addIssue({
      code: 'custom',
      message: cents === null ? 'Price must be a decimal amount such as "19.99", at most 1000000.00.' : 'Price must be more than zero.',
    });
    return z.NEVER;
  }
  return cents;
});

const stockMessage = `Stock must be a whole number from 0 to ${LIMITS.maxStock}.`;
export const stock = z.number({ error: stockMessage }).int(stockMessage).min(0, stockMessage).max(LIMITS.maxStock, stockMessage);

const skuMessage = `A SKU is 1 to ${LIMITS.sku} letters, digits, ".", "_", "-" or "/".`;
const sku = z
  .string({ error: skuMessage })
  .trim()
  .max(LIMITS.sku, skuMessage)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/, skuMessage);

const option = z.object({
  name: text('Option name', 1, LIMITS.optionName),
  value: text('Option value', 1, LIMITS.optionValue),
});

/** One variant: SKU, at most 5 options with distinct names, price, stock. */
export const VariantInput = z.object({
  sku,
  options: z
    .array(option)
    .max(LIMITS.options, `A variant has at most ${LIMITS.options} options.`)
    .superRefine((opts, ctx) => {
      const seen = new Set<string>();
      opts.forEach((o, j) => {
        if (seen.has(o.name.toLowerCase())) ctx.addIssue({ code: 'custom', message: `Option "${o.name}" appears twice.`, path: [j, 'name'] });
        seen.add(o.name.toLowerCase());
      });
    }),
  price,
  stock,
});
export type Variant = z.output<typeof VariantInput>;

/** What makes two variants the same: their options, ignoring case and order. */
export function optionsKey(options: { name: string; value: string }[]): string {
  return JSON.stringify(options.map((o) => [o.name.toLowerCase(), o.value.toLowerCase()]).sort());
}

const images = z.array(httpUrl('Images must be http(s) URLs.')).max(LIMITS.images, `At most ${LIMITS.images} images.`);
const title = text('Title', LIMITS.title[0], LIMITS.title[1]);
const description = text('Description', LIMITS.description[0], LIMITS.description[1], true);

export const CreateProductInput = z.object({
  title,
  description,
  images: images.nullish().transform((v) => v ?? []),
  variants: z
    .array(VariantInput)
    .min(1, `A product has 1 to ${LIMITS.variants} variants.`)
    .max(LIMITS.variants, `A product has 1 to ${LIMITS.variants} variants.`)
    .superRefine((list, ctx) => {
      const combos = new Set<string>();
      list.forEach((x, i) => {
        const key = optionsKey(x.options);
        if (list.length > 1 && combos.has(key)) ctx.addIssue({ code: 'custom', message: 'Two variants have the same options.', path: [i, 'options'] });
        combos.add(key);
      });
    }),
});

/** updateProduct: every field optional (omitted or null stays); images replace the list when given. */
export const UpdateProductInput = z.object({
  title: title.nullish(),
  description: description.nullish(),
  images: images.nullish(),
});

export const UpdateVariantInput = z.object({ price: price.nullish(), stock: stock.nullish() });
