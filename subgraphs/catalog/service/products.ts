/**
 * Categories, products and variants: owner-only changes, price and stock
 * events in the same transaction.
 */
import type { Viewer } from '../../../platform/auth.ts';
import { fail, forbidden } from '../../../platform/errors.ts';
import { publish, type NewEvent } from '../../../platform/events/bus.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import * as q from '../db/queries/index.ts';
import { priceChanged, stockChanged } from '../events.ts';
import { refuseSuspendedStore } from './moderation.ts';
import * as v from './validate.ts';

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

  /** Every category in tree order: each top-level category followed by its subcategories. */
  async categories(): Promise<q.CategoryRow[]> {
    const all = await q.allCategories(this.db);
    const out: q.CategoryRow[] = [];
    const visit = (parentId: string | null) => {
      for (const c of all.filter((x) => x.parentId === parentId)) {
        out.push(c);
        visit(c.id);
      }
    };
    visit(null);
    return out;
  }

  async createProduct(viewer: Viewer, input: CreateProductInput): Promise<q.ProductRow> {
    const storeId = v.existingId(input.storeId, ['input', 'storeId'], 'Store');
    const [store] = await q.storesByIds(this.db, [storeId]);
    if (!store) fail('NOT_FOUND', 'Store not found.', ['input', 'storeId']);
    if (store.ownerId !== viewer.id) throw forbidden("Only the store's owner can add products to it.");
    refuseSuspendedStore(store, ['input', 'storeId']);

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
      const taken = await q.skusInStore(
        tx,
        store.id,
        variants.map((x) => x.sku),
      );
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
  async updateVariant(viewer: Viewer, variantId: string, input: UpdateVariantInput): Promise<q.ProductRow> {
    const id = v.existingId(variantId, ['variantId'], 'Variant');
    const productId = await this.db.transaction(async (tx) => {
      const locked = await q.lockVariant(tx, id);
      if (!locked) fail('NOT_FOUND', 'Variant not found.', ['variantId']);
      if (locked.ownerId !== viewer.id) throw forbidden("Only the store's owner can change its variants.");
      refuseSuspendedStore(locked.store);
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
        events.push(
          priceChanged({
            productId: old.productId,
            variantId: id,
            storeId: old.storeId,
            title: locked.title,
            oldPrice: old.price,
            newPrice: updated.price,
            oldMinPrice: locked.minPrice,
            newMinPrice: range.minPrice,
          }),
        );
      }
      if (set.stock !== undefined) {
        events.push(stockChanged(updated));
      }
      await publish(tx, events);
      return old.productId;
    });
    const [product] = await q.productsByIds(this.db, [productId]);
    return product;
  }
}
