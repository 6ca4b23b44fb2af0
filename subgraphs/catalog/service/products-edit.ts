/**
 * A seller changes a product after creating it: its text, category and images,
 * its variants (add, remove) and whether it is on sale (archive, unarchive).
 * Owner only, checked before the input. Every change row-locks the product
 * first, so changes to one product take turns, and stock reservations
 * (checkout.ts) share-lock it: a reservation happens wholly before an archive
 * or is refused after it.
 */
import type { Viewer } from '../../../platform/auth.ts';
import { fail, forbidden } from '../../../platform/errors.ts';
import type { Executor } from '../../../platform/db.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';
import * as inputs from './inputs.ts';
import type { VariantInput } from './products.ts';
import { refuseSuspendedStore } from './moderation.ts';
import { existingId, LIMITS } from './validate.ts';

export interface UpdateProductInput {
  title?: string | null;
  description?: string | null;
  categoryId?: string | null;
  images?: string[] | null;
}

export class ProductEditService {
  constructor(private readonly deps: SubgraphDeps) {}

  private get db() {
    return this.deps.db.drizzle;
  }

  /** In one transaction: the product locked, the viewer its store's owner (FORBIDDEN otherwise), the store not suspended (STORE_SUSPENDED), then `change`. */
  private async owned<T>(viewer: Viewer, productId: string, field: string[], change: (tx: Executor, product: q.ProductRow) => Promise<T>): Promise<T> {
    const id = existingId(productId, field, 'Product');
    return this.db.transaction(async (tx) => {
      const locked = await q.lockProduct(tx, id);
      if (!locked) fail('NOT_FOUND', 'Product not found.', field);
      if (locked.ownerId !== viewer.id) throw forbidden("Only the store's owner can change its products.");
      refuseSuspendedStore(locked);
      return change(tx, locked.product);
    });
  }

  /** Title, description, category, images; omitted (or null) fields stay, images replace the list. */
  updateProduct(viewer: Viewer, productId: string, input: UpdateProductInput): Promise<q.ProductRow> {
    return this.owned(viewer, productId, ['productId'], async (tx, product) => {
      const given = validInput(inputs.UpdateProductInput, input, { field: ['input'] });
      const set: Parameters<typeof q.updateProductRow>[2] = {};
      if (given.title != null) set.title = given.title;
      if (given.description != null) set.description = given.description;
      if (given.images != null) set.images = given.images;
      if (input.categoryId != null) {
        const categoryId = existingId(input.categoryId, ['input', 'categoryId'], 'Category');
        const [category] = await q.categoriesByIds(tx, [categoryId]);
        if (!category) fail('NOT_FOUND', 'Category not found.', ['input', 'categoryId']);
        set.categoryId = categoryId;
      }
      if (!Object.keys(set).length) return product;
      const [updated] = await q.updateProductRow(tx, product.id, set);
      return updated;
    });
  }

  /**
   * A new variant: the rules of createProduct's variants; at most 50 on offer, no
   * two with the same options, its SKU unused in the store (among variants on offer).
   */
  addVariant(viewer: Viewer, productId: string, input: VariantInput): Promise<q.ProductRow> {
    return this.owned(viewer, productId, ['productId'], async (tx, product) => {
      const variant = validInput(inputs.VariantInput, input, { field: ['input'] });
      const existing = await q.activeVariants(tx, product.id);
      if (existing.length >= LIMITS.variants) fail('INVALID_INPUT', `A product has at most ${LIMITS.variants} variants.`, ['productId']);
      const key = inputs.optionsKey(variant.options);
      if (existing.some((x) => inputs.optionsKey(x.options) === key)) {
        fail('INVALID_INPUT', 'The product already has a variant with these options.', ['input', 'options']);
      }
      const position = await q.nextVariantPosition(tx, product.id);
      // the partial unique index (store, SKU) of variants on offer decides, also between concurrent calls
      const inserted = await q.insertVariants(tx, [{ ...variant, productId: product.id, storeId: product.storeId, position }]);
      if (!inserted.length) fail('DUPLICATE_SKU', `SKU "${variant.sku}" is already used in this store.`, ['input', 'sku']);
      const [range] = await q.refreshPriceRange(tx, product.id);
      return { ...product, ...range };
    });
  }

  /**
   * Takes a variant off offer: it leaves the product (and its price range), cart lines
   * holding it show it unavailable, placed orders keep their snapshot. A product keeps
   * at least one variant (LAST_VARIANT: archive the product instead).
   */
  async removeVariant(viewer: Viewer, variantId: string): Promise<q.ProductRow> {
    const id = existingId(variantId, ['variantId'], 'Variant');
    const [ref] = await q.variantsByIds(this.db, [id]);
    if (!ref) fail('NOT_FOUND', 'Variant not found.', ['variantId']);
    return this.owned(viewer, ref.productId, ['variantId'], async (tx, product) => {
      const active = await q.activeVariants(tx, product.id);
      if (!active.some((x) => x.id === id)) fail('NOT_FOUND', 'Variant not found.', ['variantId']);
      if (active.length === 1) fail('LAST_VARIANT', 'A product keeps at least one variant; archive the product to stop selling it.', ['variantId']);
      await q.markVariantRemoved(tx, id, this.deps.clock.now());
      const [range] = await q.refreshPriceRange(tx, product.id);
      return { ...product, ...range };
    });
  }

  /** Takes a product off sale (idempotent): out of search and store pages, cannot be added to carts or bought. */
  archiveProduct(viewer: Viewer, productId: string): Promise<q.ProductRow> {
    return this.setArchived(viewer, productId, true);
  }

  /** Puts an archived product on sale again (idempotent). */
  unarchiveProduct(viewer: Viewer, productId: string): Promise<q.ProductRow> {
    return this.setArchived(viewer, productId, false);
  }

  private setArchived(viewer: Viewer, productId: string, archived: boolean): Promise<q.ProductRow> {
    return this.owned(viewer, productId, ['productId'], async (tx, product) => {
      if ((product.archivedAt !== null) === archived) return product;
      const [updated] = await q.updateProductRow(tx, product.id, { archivedAt: archived ? this.deps.clock.now() : null });
      return updated;
    });
  }
}
