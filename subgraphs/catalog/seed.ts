/**
 * The demo catalog: four stores of the demo seller with a few dozen products
 * across the categories, loaded by the factory's seed() when there are no
 * stores yet (never in production; not with SEED=none). The stores and
 * products are data (demo-catalog.json); one walk below writes them.
 */
import { DEMO } from '../../platform/demo.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import * as q from './db/queries/index.ts';
import { storeNameKey } from './service/store-names.ts';
import demoCatalog from './demo-catalog.json' with { type: 'json' };

/** Category ids of the reference data (migration 0001_categories.sql). */
export const CATEGORY = {
  electronics: '0c000000-0000-4000-8000-000000000100',
  audio: '0c000000-0000-4000-8000-000000000101',
  phoneAccessories: '0c000000-0000-4000-8000-000000000102',
  home: '0c000000-0000-4000-8000-000000000200',
  lighting: '0c000000-0000-4000-8000-000000000201',
  kitchen: '0c000000-0000-4000-8000-000000000202',
  fashion: '0c000000-0000-4000-8000-000000000300',
  womensClothing: '0c000000-0000-4000-8000-000000000301',
  shoes: '0c000000-0000-4000-8000-000000000302',
  sports: '0c000000-0000-4000-8000-000000000400',
} as const;

/** Fixed ids of the demo stores, so other areas' demo data and tests can name them. */
export const DEMO_STORES = {
  lumen: '05000000-0000-4000-8000-000000000001',
  soundwave: '05000000-0000-4000-8000-000000000002',
  bloom: '05000000-0000-4000-8000-000000000003',
  stride: '05000000-0000-4000-8000-000000000004',
} as const;

/** A demo product; its variants are every color with every size. */
interface Spec {
  title: string;
  description: string;
  /** A key of CATEGORY. */
  category: keyof typeof CATEGORY;
  /** Price in cents of the first variant; sizes and later colors may add a little. */
  price: number;
  colors: string[];
  sizes?: string[];
  stock?: number;
}

/** A demo store (`store`: a key of DEMO_STORES) with its products, newest last. */
interface StoreSpec {
  store: keyof typeof DEMO_STORES;
  name: string;
  description: string;
  /** The first letters of its variants' SKUs. */
  sku: string;
  products: Spec[];
}

/** The demo data itself: demo-catalog.json, one entry a store. */
const stores = demoCatalog as StoreSpec[];

const code = (s: string) =>
  s
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 6)
    .toUpperCase() || 'X';

/** Loads the demo catalog once: only when no store exists yet. */
export async function seedDemoCatalog(deps: SubgraphDeps): Promise<void> {
  const db = deps.db.drizzle;
  const [{ n }] = await q.countStores(db);
  if (Number(n) > 0) return;
  const total = stores.reduce((s, st) => s + st.products.length, 0);
  const base = deps.clock.now().getTime();
  let index = 0;
  await db.transaction(async (tx) => {
    for (const st of stores) {
      const storeId = DEMO_STORES[st.store];
      await q.insertStore(tx, {
        id: storeId,
        ownerId: DEMO.sellerId,
        name: st.name,
        nameKey: storeNameKey(st.name),
        description: st.description,
        createdAt: new Date(base - 86_400_000),
      });
      for (const [pi, spec] of st.products.entries()) {
        index++;
        const variants = spec.colors.flatMap((color, ci) =>
          (spec.sizes ?? [null]).map((size, si) => ({
            sku: `${st.sku}-${pi + 1}-${code(color)}${size ? `-${code(size)}` : ''}`,
            options: [{ name: 'Color', value: color }, ...(size ? [{ name: 'Size', value: size }] : [])],
            price: spec.price + ci * 100 + si * 200,
            stock: spec.stock ?? 5 + ((index * 7 + ci * 3 + si * 5) % 40),
          })),
        );
        const prices = variants.map((v) => v.price);
        const [p] = await q.insertProduct(tx, {
          storeId,
          categoryId: CATEGORY[spec.category],
          title: spec.title,
          description: spec.description,
          images: [`https://images.example.com/demo/${code(st.name)}-${pi + 1}.jpg`],
          minPrice: Math.min(...prices),
          maxPrice: Math.max(...prices),
          // staggered, so "newest first" has a clear order
          createdAt: new Date(base - (total - index) * 60_000),
        });
        await q.insertVariants(
          tx,
          variants.map((v, position) => ({ ...v, productId: p.id, storeId, position })),
        );
      }
    }
  });
}
