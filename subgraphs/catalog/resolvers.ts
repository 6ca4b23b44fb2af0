/**
 * Thin resolvers of the catalog subgraph: arguments in, service or loader call,
 * result out. Those that need a person are `authed` (a guest is refused with
 * UNAUTHENTICATED before they run); cart operations are open to guests.
 */
import type { GraphQLResolveInfo } from 'graphql';
import { authed, type SignedIn } from '../../platform/context.ts';
import { payload } from '../../platform/errors.ts';
import { DateTime, money } from '../../platform/scalars.ts';
import { selects } from '../../platform/selection.ts';
import type * as q from './db/queries/index.ts';
import type { CatalogContext } from './context.ts';
import type { CreateProductInput, UpdateVariantInput, VariantInput } from './service/products.ts';
import type { SearchArgs } from './service/search.ts';
import type { UpdateProductInput } from './service/products-edit.ts';
import type { UpdateStoreInput } from './service/store-edit.ts';
import type { SetShippingInput, ShippingOption } from './service/shipping.ts';
import type { OpenStoreInput } from './service/stores.ts';

type Ctx = CatalogContext;
type Person = SignedIn<CatalogContext>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arguments as the schema validated them
type Args = Record<string, any>;

/** A product that just changed: forget what this request loaded of it and its variants. */
const changed = (p: q.ProductRow, ctx: Ctx, variantId?: string) => {
  ctx.loaders.product.clear(p.id).prime(p.id, p);
  ctx.loaders.productPage.clear(p.id);
  ctx.loaders.variantsByProduct.clear(p.id);
  if (variantId) ctx.loaders.variant.clear(variantId);
  return { product: p };
};

/** A cart that just changed: forget lines loaded earlier in this request (several mutations in one operation). */
/** A store's shipping as clients see it: its own settings, or the defaults. */
const shippingOf = async (s: q.StoreRow, ctx: Ctx) => ctx.service.shipping.effective(s.id, await ctx.loaders.storeShipping.load(s.id));

const cart = (c: q.CartRow, ctx: Ctx) => {
  ctx.loaders.cartLines.clear(c.id);
  return { cart: c };
};

/** Whether a cart line can be bought: its product on sale, its variant not removed. */
const available = (l: q.LineWithVariant) => l.product.archivedAt === null && l.variant.removedAt === null;

export const resolvers = {
  DateTime,

  Query: {
    product: (_: unknown, { id }: { id: string }, ctx: Ctx) => ctx.loaders.productPage.load(id),
    store: (_: unknown, { id }: { id: string }, ctx: Ctx) => ctx.loaders.store.load(id),
    categories: (_: unknown, __: unknown, ctx: Ctx) => ctx.service.products.categories(),
    searchProducts: (_: unknown, args: SearchArgs, ctx: Ctx, info: GraphQLResolveInfo) =>
      ctx.service.search.searchProducts(ctx.loaders, args, selects(info, 'totalCount')),
    cart: (_: unknown, { id }: { id: string }, ctx: Ctx) => ctx.service.carts.cartForRead(ctx.viewer, id),
  },

  Mutation: {
    createGuestCart: (_: unknown, __: unknown, ctx: Ctx) => ctx.service.carts.createGuestCart(),
    addToCart: (_: unknown, a: Args, ctx: Ctx) =>
      payload({ cart: null as q.CartRow | null }, async () => cart(await ctx.service.carts.addToCart(ctx.viewer, a.cartId, a.variantId, a.quantity), ctx)),
    updateCartLine: (_: unknown, a: Args, ctx: Ctx) =>
      payload({ cart: null as q.CartRow | null }, async () => cart(await ctx.service.carts.updateCartLine(ctx.viewer, a.cartId, a.lineId, a.quantity), ctx)),
    removeCartLine: (_: unknown, a: Args, ctx: Ctx) =>
      payload({ cart: null as q.CartRow | null }, async () => cart(await ctx.service.carts.removeCartLine(ctx.viewer, a.cartId, a.lineId), ctx)),
    mergeGuestCart: authed((_: unknown, a: Args, ctx: Person) =>
      payload({ cart: null as q.CartRow | null }, async () => cart(await ctx.service.carts.mergeGuestCart(ctx.viewer, a.guestCartId), ctx)),
    ),
    addToWishList: authed((_: unknown, a: Args, ctx: Person) =>
      payload({ product: null as q.ProductRow | null }, async () => ({ product: await ctx.service.lists.addToWishList(ctx.viewer, a.productId) })),
    ),
    removeFromWishList: authed((_: unknown, a: Args, ctx: Person) =>
      payload({ product: null as q.ProductRow | null }, async () => ({ product: await ctx.service.lists.removeFromWishList(ctx.viewer, a.productId) })),
    ),
    followStore: authed((_: unknown, a: Args, ctx: Person) =>
      payload({ store: null as q.StoreRow | null }, async () => ({ store: await ctx.service.lists.followStore(ctx.viewer, a.storeId) })),
    ),
    unfollowStore: authed((_: unknown, a: Args, ctx: Person) =>
      payload({ store: null as q.StoreRow | null }, async () => ({ store: await ctx.service.lists.unfollowStore(ctx.viewer, a.storeId) })),
    ),
    openStore: authed((_: unknown, a: { input: OpenStoreInput }, ctx: Person) =>
      payload({ store: null as q.StoreRow | null }, async () => ({ store: await ctx.service.stores.openStore(ctx.viewer, a.input) })),
    ),
    setShippingOptions: authed((_: unknown, a: SetShippingInput, ctx: Person) =>
      payload({ store: null as q.StoreRow | null }, async () => {
        const store = await ctx.service.shipping.setShippingOptions(ctx.viewer, a);
        ctx.loaders.storeShipping.clear(store.id);
        return { store };
      }),
    ),
    createProduct: authed((_: unknown, a: { input: CreateProductInput }, ctx: Person) =>
      payload({ product: null as q.ProductRow | null }, async () => ({ product: await ctx.service.products.createProduct(ctx.viewer, a.input) })),
    ),
    updateVariant: authed((_: unknown, a: { variantId: string; input: UpdateVariantInput }, ctx: Person) =>
      payload({ product: null as q.ProductRow | null }, async () => {
        const product = await ctx.service.products.updateVariant(ctx.viewer, a.variantId, a.input);
        ctx.loaders.variant.clear(a.variantId);
        ctx.loaders.variantsByProduct.clear(product.id);
        ctx.loaders.product.clear(product.id);
        return { product };
      }),
    ),
    suspendStore: authed((_: unknown, a: { storeId: string; reason: string }, ctx: Person) =>
      payload({ store: null as q.StoreRow | null }, async () => ({ store: await ctx.service.moderation.suspendStore(ctx.viewer, a.storeId, a.reason) })),
    ),
    reinstateStore: authed((_: unknown, a: { storeId: string; reason: string }, ctx: Person) =>
      payload({ store: null as q.StoreRow | null }, async () => ({ store: await ctx.service.moderation.reinstateStore(ctx.viewer, a.storeId, a.reason) })),
    ),
    updateStore: authed((_: unknown, a: { storeId: string; input: UpdateStoreInput }, ctx: Person) =>
      payload({ store: null as q.StoreRow | null }, async () => {
        const store = await ctx.service.storeEdit.updateStore(ctx.viewer, a.storeId, a.input);
        ctx.loaders.store.clear(store.id).prime(store.id, store);
        return { store };
      }),
    ),
    updateProduct: authed((_: unknown, a: { productId: string; input: UpdateProductInput }, ctx: Person) =>
      payload({ product: null as q.ProductRow | null }, async () =>
        changed(await ctx.service.productEdit.updateProduct(ctx.viewer, a.productId, a.input), ctx),
      ),
    ),
    addVariant: authed((_: unknown, a: { productId: string; input: VariantInput }, ctx: Person) =>
      payload({ product: null as q.ProductRow | null }, async () => changed(await ctx.service.productEdit.addVariant(ctx.viewer, a.productId, a.input), ctx)),
    ),
    removeVariant: authed((_: unknown, a: { variantId: string }, ctx: Person) =>
      payload({ product: null as q.ProductRow | null }, async () =>
        changed(await ctx.service.productEdit.removeVariant(ctx.viewer, a.variantId), ctx, String(a.variantId).toLowerCase()),
      ),
    ),
    archiveProduct: authed((_: unknown, a: { productId: string }, ctx: Person) =>
      payload({ product: null as q.ProductRow | null }, async () => changed(await ctx.service.productEdit.archiveProduct(ctx.viewer, a.productId), ctx)),
    ),
    unarchiveProduct: authed((_: unknown, a: { productId: string }, ctx: Person) =>
      payload({ product: null as q.ProductRow | null }, async () => changed(await ctx.service.productEdit.unarchiveProduct(ctx.viewer, a.productId), ctx)),
    ),
  },

  User: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.service.userReference(ctx.viewer, ref.id),
    cart: (u: { id: string }, _: unknown, ctx: Ctx) => ctx.service.carts.ownCart(u.id, ctx.loaders.cartOfOwner),
    wishList: (u: { id: string }, a: Args, ctx: Ctx) => ctx.service.lists.wishList(u.id, a.first, a.after),
    storeList: (u: { id: string }, _: unknown, ctx: Ctx) => ctx.service.lists.storeList(u.id),
    stores: (u: { id: string }, _: unknown, ctx: Ctx) => ctx.service.stores.storesOf(u.id),
  },

  Category: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.category.load(ref.id),
    parent: (c: q.CategoryRow, _: unknown, ctx: Ctx) => (c.parentId ? ctx.loaders.category.load(c.parentId) : null),
  },

  Store: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.store.load(ref.id),
    followerCount: (s: q.StoreRow, _: unknown, ctx: Ctx) => ctx.loaders.followerCount.loadNow(s.id),
    suspended: (s: q.StoreRow) => s.suspendedAt !== null,
    products: (s: q.StoreRow, a: Args, ctx: Ctx) => ctx.service.search.storeProducts(ctx.loaders, s.id, a.first, a.after),
    archivedProducts: authed((s: q.StoreRow, a: Args, ctx: Person) => ctx.service.storeEdit.archivedProducts(ctx.viewer, ctx.loaders, s, a.first, a.after)),
    handlingDays: async (s: q.StoreRow, _: unknown, ctx: Ctx) => (await shippingOf(s, ctx)).handlingDays,
    shippingOptions: async (s: q.StoreRow, _: unknown, ctx: Ctx) => (await shippingOf(s, ctx)).options,
  },

  ShippingOption: {
    cost: (o: ShippingOption) => money(o.cost),
  },

  Product: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.product.load(ref.id),
    category: (p: q.ProductRow, _: unknown, ctx: Ctx) => ctx.loaders.category.load(p.categoryId),
    store: (p: q.ProductRow, _: unknown, ctx: Ctx) => ctx.loaders.store.loadNow(p.storeId),
    priceRange: (p: q.ProductRow) => ({ min: money(p.minPrice), max: money(p.maxPrice) }),
    variants: (p: q.ProductRow, _: unknown, ctx: Ctx) => ctx.loaders.variantsByProduct.load(p.id),
    archived: (p: q.ProductRow) => p.archivedAt !== null,
  },

  ProductVariant: {
    __resolveReference: (ref: { id: string }, ctx: Ctx) => ctx.loaders.variant.load(ref.id),
    product: (v: q.VariantRow, _: unknown, ctx: Ctx) => ctx.loaders.product.loadNow(v.productId),
    price: (v: q.VariantRow) => money(v.price),
  },

  Cart: {
    lines: (c: q.CartRow, _: unknown, ctx: Ctx) => ctx.loaders.cartLines.load(c.id),
    // what can be bought: lines of archived products or removed variants are left out
    subtotal: async (c: q.CartRow, _: unknown, ctx: Ctx) =>
      money((await ctx.loaders.cartLines.load(c.id)).reduce((s, l) => s + (available(l) ? l.variant.price * l.quantity : 0), 0)),
    totalQuantity: async (c: q.CartRow, _: unknown, ctx: Ctx) => (await ctx.loaders.cartLines.load(c.id)).reduce((s, l) => s + l.quantity, 0),
  },

  CartLine: {
    product: (l: q.LineWithVariant, _: unknown, ctx: Ctx) => ctx.loaders.product.loadNow(l.variant.productId),
    variant: (l: q.LineWithVariant, _: unknown, ctx: Ctx) => ctx.loaders.variant.loadNow(l.variantId),
    unitPrice: (l: q.LineWithVariant) => money(l.variant.price),
    subtotal: (l: q.LineWithVariant) => money(l.variant.price * l.quantity),
    available: (l: q.LineWithVariant) => available(l),
  },
};
