/** Carts and their lines, and what checkout reads of them. */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../../platform/db.ts';
import { anyOf, arrayParam, prepared } from '../../../../platform/prepared.ts';
import { cartLines, carts, products, stores, variants } from '../schema.ts';
import { productColumns, type CartLineRow, type CartRow, type ProductRow, type StoreRow, type VariantRow } from './rows.ts';

export async function cartById(db: Executor, id: string): Promise<CartRow | null> {
  const [row] = await db.select().from(carts).where(eq(carts.id, id));
  return row ?? null;
}

// prepared (platform/prepared.ts): a mutation's cart when none is named
const cartByOwnerQuery = prepared('catalog_cart_by_owner', (db) =>
  db
    .select()
    .from(carts)
    .where(eq(carts.ownerId, sql.placeholder('ownerId'))),
);

export async function cartByOwner(db: Executor, ownerId: string): Promise<CartRow | null> {
  const [row] = await cartByOwnerQuery(db, { ownerId });
  return row ?? null;
}

export function insertCart(db: Executor, v: { id: string; ownerId: string | null; createdAt: Date }): Promise<CartRow[]> {
  return db.insert(carts).values(v).onConflictDoNothing().returning();
}

/** A cart line with its variant, the variant's product and the product's store. */
export interface LineWithVariant extends CartLineRow {
  variant: VariantRow;
  product: ProductRow;
  store: StoreRow;
}

/**
 * Lines of carts, oldest first. Joins what a cart page shows of each line
 * (variant, product, store), selected as their loaders select them, so the
 * cart-lines loader primes those loaders instead of their running statements.
 */
const linesByCartIdsQuery = prepared('catalog_lines_by_cart_ids', (db) =>
  db
    .select({ line: cartLines, variant: variants, product: productColumns, store: stores })
    .from(cartLines)
    .innerJoin(variants, eq(variants.id, cartLines.variantId))
    .innerJoin(products, eq(products.id, variants.productId))
    .innerJoin(stores, eq(stores.id, products.storeId))
    .where(anyOf(cartLines.cartId, 'ids'))
    .orderBy(asc(cartLines.createdAt), asc(cartLines.id)),
);

export async function linesByCartIds(db: Executor, cartIds: readonly string[]): Promise<LineWithVariant[]> {
  const rows = await linesByCartIdsQuery(db, { ids: arrayParam(cartIds) });
  return rows.map((r) => ({ ...r.line, variant: r.variant, product: r.product, store: r.store }));
}

/** A person's cart with its lines (each with its variant, product and store), oldest line first. */
export interface CartWithLines {
  cart: CartRow;
  lines: LineWithVariant[];
}

/**
 * People's carts with their lines in one statement (a dashboard shows the
 * cart and its lines together): the cart row on every line's row, or alone
 * (left join) when it has none. Lines, variants, products and stores are
 * selected as their loaders select them.
 */
const cartsWithLinesByOwnersQuery = prepared('catalog_carts_with_lines_by_owners', (db) =>
  db
    .select({ cart: carts, line: cartLines, variant: variants, product: productColumns, store: stores })
    .from(carts)
    .leftJoin(cartLines, eq(cartLines.cartId, carts.id))
    // a line's variant, product and store always exist (foreign keys): these joins never drop a line
    .leftJoin(variants, eq(variants.id, cartLines.variantId))
    .leftJoin(products, eq(products.id, variants.productId))
    .leftJoin(stores, eq(stores.id, products.storeId))
    .where(anyOf(carts.ownerId, 'ids'))
    .orderBy(asc(cartLines.createdAt), asc(cartLines.id)),
);

export async function cartsWithLinesByOwners(db: Executor, ownerIds: readonly string[]): Promise<CartWithLines[]> {
  if (!ownerIds.length) return [];
  const found = new Map<string, CartWithLines>();
  for (const r of await cartsWithLinesByOwnersQuery(db, { ids: arrayParam(ownerIds) })) {
    let c = found.get(r.cart.id);
    if (!c) found.set(r.cart.id, (c = { cart: r.cart, lines: [] }));
    if (r.line && r.variant && r.product && r.store) c.lines.push({ ...r.line, variant: r.variant, product: r.product, store: r.store });
  }
  return [...found.values()];
}

/** Row-locks a cart: concurrent changes to one cart take turns (no lost quantity). */
export async function lockCart(tx: Executor, cartId: string): Promise<void> {
  await tx.select({ id: carts.id }).from(carts).where(eq(carts.id, cartId)).for('update');
}

/** The line of a cart for a variant, row-locked. */
export async function lockLine(tx: Executor, cartId: string, where: { lineId?: string; variantId?: string }): Promise<CartLineRow | null> {
  const cond = where.lineId ? eq(cartLines.id, where.lineId) : eq(cartLines.variantId, where.variantId!);
  const [row] = await tx
    .select()
    .from(cartLines)
    .where(and(eq(cartLines.cartId, cartId), cond))
    .for('update');
  return row ?? null;
}

/** Variant stock, and whether it can be bought (its product not archived, the variant not removed). */
export async function variantStock(tx: Executor, variantId: string): Promise<{ stock: number; productId: string; available: boolean } | null> {
  const [row] = await tx
    .select({ stock: variants.stock, productId: variants.productId, removedAt: variants.removedAt, archivedAt: products.archivedAt })
    .from(variants)
    .innerJoin(products, eq(products.id, variants.productId))
    .where(eq(variants.id, variantId));
  return row ? { stock: row.stock, productId: row.productId, available: row.removedAt === null && row.archivedAt === null } : null;
}

export function insertLine(tx: Executor, v: { cartId: string; variantId: string; quantity: number; createdAt: Date }) {
  return tx.insert(cartLines).values(v).onConflictDoNothing().returning();
}

export function setLineQuantity(tx: Executor, id: string, quantity: number) {
  return tx.update(cartLines).set({ quantity }).where(eq(cartLines.id, id));
}

export function deleteLine(tx: Executor, cartId: string, lineId: string): Promise<{ id: string }[]> {
  return tx
    .delete(cartLines)
    .where(and(eq(cartLines.cartId, cartId), eq(cartLines.id, lineId)))
    .returning({ id: cartLines.id });
}

export function deleteLines(tx: Executor, cartId: string, lineIds: string[]) {
  return tx.delete(cartLines).where(and(eq(cartLines.cartId, cartId), inArray(cartLines.id, lineIds)));
}

export function deleteAllLines(tx: Executor, cartId: string) {
  return tx.delete(cartLines).where(eq(cartLines.cartId, cartId));
}

/** Lines of a cart (locked) for a merge. */
export function lockLinesOf(tx: Executor, cartId: string): Promise<CartLineRow[]> {
  return tx.select().from(cartLines).where(eq(cartLines.cartId, cartId)).orderBy(asc(cartLines.createdAt), asc(cartLines.id)).for('update');
}

/** Stock of variants that can be bought (unavailable ones are left out: none can be had). */
export function stocksOf(tx: Executor, variantIds: string[]): Promise<{ id: string; stock: number }[]> {
  if (!variantIds.length) return Promise.resolve([]);
  return tx
    .select({ id: variants.id, stock: variants.stock })
    .from(variants)
    .innerJoin(products, eq(products.id, variants.productId))
    .where(and(inArray(variants.id, variantIds), isNull(variants.removedAt), isNull(products.archivedAt)));
}

/** Everything checkout needs to know about a cart's lines. */
export function quoteLines(db: Executor, cartId: string) {
  return db
    .select({
      lineId: cartLines.id,
      productId: products.id,
      variantId: variants.id,
      storeId: stores.id,
      storeOwnerId: stores.ownerId,
      storeName: stores.name,
      title: products.title,
      options: variants.options,
      unitPrice: variants.price,
      quantity: cartLines.quantity,
      /** Not archived, not removed: only such lines can be bought. */
      available: sql<boolean>`(${products.archivedAt} is null and ${variants.removedAt} is null)`.mapWith(Boolean),
    })
    .from(cartLines)
    .innerJoin(variants, eq(variants.id, cartLines.variantId))
    .innerJoin(products, eq(products.id, variants.productId))
    .innerJoin(stores, eq(stores.id, products.storeId))
    .where(eq(cartLines.cartId, cartId))
    .orderBy(asc(cartLines.createdAt), asc(cartLines.id));
}
