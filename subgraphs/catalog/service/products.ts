/**
 * Stores, products and variants (owner-only changes, price and stock events),
 * and the Wish List and Store List.
 */
import type { Viewer } from '../../../platform/auth.ts';
import { fail, forbidden } from '../../../platform/errors.ts';
import { publish, type NewEvent } from '../../../platform/events/bus.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries.ts';
import { requireViewer } from './carts.ts';
import { storeNameKey } from './store-names.ts';
import * as v from './validate.ts';

export interface OpenStoreInput {
  name: string;
  description?: string | null;
}

export interface VariantInput {
  sku: string;
  options: { name: string; value: string }[];
  price: string;
  stock: number;
}

export interface CreateProductInput {
  storeId: string;
  title: string;
  description: string;
  categoryId: string;
  images?: string[] | null;
  variants: VariantInput[];
}

export interface UpdateVariantInput {
  price?: string | null;
  stock?: number | null;
}

export class ProductService {
  constructor(private readonly deps: SubgraphDeps) {}

  private get db() {
    return this.deps.db.drizzle;
  }

  async openStore(viewer: Viewer | null, input: OpenStoreInput): Promise<q.StoreRow> {
    const me = requireViewer(viewer);
    const { name, nameKey } = v.storeName(input.name, ['input', 'name']);
    const description = v.optionalText(input.description, ['input', 'description'], v.LIMITS.storeDescription, 'Description');
    const [store] = await q.insertStore(this.db, { ownerId: me.id, name, nameKey, description, createdAt: this.deps.clock.now() });
    if (!store) fail('STORE_NAME_TAKEN', 'A store with this name (or one that looks the same) already exists.', ['input', 'name']);
    return store;
  }

  /**
   * At start, before serving: gives every store made before name keys existed
   * its key, oldest first. Two such stores that look alike both stay; the
   * younger gets its key suffixed with an invisible separator and its id (a
   * key no name can produce, as keys never hold invisible characters), and the
   * older one's key keeps new look-alikes out. Safe with several instances
   * starting at once (a key is only ever set where it is missing).
   */
  async backfillStoreNameKeys(): Promise<void> {
    let filled = 0;
    for (;;) {
      const rows = await q.storesWithoutNameKey(this.db, 500);
      if (!rows.length) break;
      for (const row of rows) {
        const key = storeNameKey(row.name);
        try {
          await q.setStoreNameKey(this.db, row.id, key);
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          this.deps.log.warn('store name looks like an older store\'s; both kept', { storeId: row.id });
          await q.setStoreNameKey(this.db, row.id, `${key}\u200b${row.id}`);
        }
        filled++;
      }
    }
    if (filled) this.deps.log.info('store name keys filled in', { stores: filled });
  }

  async createProduct(viewer: Viewer | null, input: CreateProductInput): Promise<q.ProductRow> {
    const me = requireViewer(viewer);
    const storeId = v.existingId(input.storeId, ['input', 'storeId'], 'Store');
    const [store] = await q.storesByIds(this.db, [storeId]);
    if (!store) fail('NOT_FOUND', 'Store not found.', ['input', 'storeId']);
    if (store.ownerId !== me.id) throw forbidden("Only the store's owner can add products to it.");

    const title = v.text(input.title, ['input', 'title'], v.LIMITS.title[0], v.LIMITS.title[1], 'Title');
    const description = v.text(input.description, ['input', 'description'], v.LIMITS.description[0], v.LIMITS.description[1], 'Description', true);
    const categoryId = v.existingId(input.categoryId, ['input', 'categoryId'], 'Category');
    const [category] = await q.categoriesByIds(this.db, [categoryId]);
    if (!category) fail('NOT_FOUND', 'Category not found.', ['input', 'categoryId']);
    const images = input.images ?? [];
    if (images.length > v.LIMITS.images) fail('INVALID_INPUT', `At most ${v.LIMITS.images} images.`, ['input', 'images']);
    const imageUrls = images.map((u, i) => v.imageUrl(u, ['input', 'images', String(i)]));
    const variants = this.variants(input.variants);

    const now = this.deps.clock.now();
    const product = await this.db.transaction(async (tx) => {
      const taken = await q.skusInStore(tx, store.id, variants.map((x) => x.sku));
      if (taken.length) {
        const i = variants.findIndex((x) => x.sku === taken[0].sku);
        fail('DUPLICATE_SKU', `SKU "${taken[0].sku}" is already used in this store.`, ['input', 'variants', String(i), 'sku']);
      }
      const prices = variants.map((x) => x.price);
      const [p] = await q.insertProduct(tx, {
        storeId: store.id,
        categoryId,
        title,
        description,
        images: imageUrls,
        minPrice: Math.min(...prices),
        maxPrice: Math.max(...prices),
        createdAt: now,
      });
      const inserted = await q.insertVariants(
        tx,
        variants.map((x, position) => ({ ...x, productId: p.id, storeId: store.id, position })),
      );
      if (inserted.length !== variants.length) fail('DUPLICATE_SKU', 'A SKU is already used in this store.', ['input', 'variants']);
      return p;
    });
    return product;
  }

  private variants(list: VariantInput[]) {
    if (!Array.isArray(list) || list.length < 1 || list.length > v.LIMITS.variants) {
      fail('INVALID_INPUT', `A product has 1 to ${v.LIMITS.variants} variants.`, ['input', 'variants']);
    }
    const skus = new Set<string>();
    const combos = new Set<string>();
    return list.map((x, i) => {
      const at = (...f: string[]) => ['input', 'variants', String(i), ...f];
      const sku = v.sku(x.sku, at('sku'));
      if (skus.has(sku)) fail('DUPLICATE_SKU', `SKU "${sku}" appears twice in this product.`, at('sku'));
      skus.add(sku);
      if (x.options.length > v.LIMITS.options) fail('INVALID_INPUT', `A variant has at most ${v.LIMITS.options} options.`, at('options'));
      const names = new Set<string>();
      const options = x.options.map((o, j) => {
        const name = v.text(o.name, at('options', String(j), 'name'), 1, v.LIMITS.optionName, 'Option name');
        const value = v.text(o.value, at('options', String(j), 'value'), 1, v.LIMITS.optionValue, 'Option value');
        if (names.has(name.toLowerCase())) fail('INVALID_INPUT', `Option "${name}" appears twice.`, at('options', String(j), 'name'));
        names.add(name.toLowerCase());
        return { name, value };
      });
      const combo = JSON.stringify(options.map((o) => [o.name.toLowerCase(), o.value.toLowerCase()]).sort());
      if (list.length > 1 && combos.has(combo)) fail('INVALID_INPUT', 'Two variants have the same options.', at('options'));
      combos.add(combo);
      return { sku, options, price: v.price(x.price, at('price')), stock: v.stock(x.stock, at('stock')) };
    });
  }

  /** Price and stock of a variant, by its store's owner; events in the same transaction. */
  async updateVariant(viewer: Viewer | null, variantId: string, input: UpdateVariantInput): Promise<q.ProductRow> {
    const me = requireViewer(viewer);
    const id = v.existingId(variantId, ['variantId'], 'Variant');
    const productId = await this.db.transaction(async (tx) => {
      const locked = await q.lockVariant(tx, id);
      if (!locked) fail('NOT_FOUND', 'Variant not found.', ['variantId']);
      if (locked.ownerId !== me.id) throw forbidden("Only the store's owner can change its variants.");
      const set: { price?: number; stock?: number } = {};
      if (input.price !== null && input.price !== undefined) set.price = v.price(input.price, ['input', 'price']);
      if (input.stock !== null && input.stock !== undefined) set.stock = v.stock(input.stock, ['input', 'stock']);
      const old = locked.variant;
      if (set.price === old.price) delete set.price;
      if (set.stock === old.stock) delete set.stock;
      if (set.price === undefined && set.stock === undefined) return old.productId;
      const [updated] = await q.updateVariantRow(tx, id, set);
      const events: NewEvent[] = [];
      if (set.price !== undefined) {
        const [range] = await q.refreshPriceRange(tx, old.productId);
        events.push({
          topic: 'product.price_changed',
          payload: {
            productId: old.productId,
            variantId: id,
            storeId: old.storeId,
            title: locked.title,
            oldPrice: old.price,
            newPrice: updated.price,
            oldMinPrice: locked.minPrice,
            newMinPrice: range.minPrice,
          },
          audience: [],
        });
      }
      if (set.stock !== undefined) {
        events.push({ topic: 'product.stock_changed', payload: { productId: old.productId, variantId: id, stock: updated.stock }, audience: [] });
      }
      await publish(tx, events);
      return old.productId;
    });
    const [product] = await q.productsByIds(this.db, [productId]);
    return product;
  }

  private async product(productId: string, field: string[]): Promise<q.ProductRow> {
    const id = v.existingId(productId, field, 'Product');
    const [product] = await q.productsByIds(this.db, [id]);
    if (!product) fail('NOT_FOUND', 'Product not found.', field);
    return product;
  }

  private async store(storeId: string, field: string[]): Promise<q.StoreRow> {
    const id = v.existingId(storeId, field, 'Store');
    const [store] = await q.storesByIds(this.db, [id]);
    if (!store) fail('NOT_FOUND', 'Store not found.', field);
    return store;
  }

  async addToWishList(viewer: Viewer | null, productId: string): Promise<q.ProductRow> {
    const me = requireViewer(viewer);
    const product = await this.product(productId, ['productId']);
    await q.addWish(this.db, { userId: me.id, productId: product.id, createdAt: this.deps.clock.now() });
    return product;
  }

  async removeFromWishList(viewer: Viewer | null, productId: string): Promise<q.ProductRow> {
    const me = requireViewer(viewer);
    const product = await this.product(productId, ['productId']);
    await q.removeWish(this.db, me.id, product.id);
    return product;
  }

  async followStore(viewer: Viewer | null, storeId: string): Promise<q.StoreRow> {
    const me = requireViewer(viewer);
    const store = await this.store(storeId, ['storeId']);
    await q.follow(this.db, { userId: me.id, storeId: store.id, createdAt: this.deps.clock.now() });
    return store;
  }

  async unfollowStore(viewer: Viewer | null, storeId: string): Promise<q.StoreRow> {
    const me = requireViewer(viewer);
    const store = await this.store(storeId, ['storeId']);
    await q.unfollow(this.db, me.id, store.id);
    return store;
  }
}

function isUniqueViolation(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return true;
  }
  return false;
}
