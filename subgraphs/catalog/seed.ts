/**
 * The demo catalog: four stores of the demo seller with a few dozen products
 * across the categories, loaded by the factory's seed() when there are no
 * stores yet (never in production; not with SEED=none).
 */
import { DEMO } from '../../platform/demo.ts';
import type { SubgraphDeps } from '../../platform/subgraph.ts';
import * as q from './db/queries/index.ts';
import { storeNameKey } from './service/store-names.ts';

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

interface Spec {
  title: string;
  description: string;
  category: string;
  /** Price in cents of the first variant; sizes and later colors may add a little. */
  price: number;
  colors: string[];
  sizes?: string[];
  stock?: number;
}

const stores: { id: string; name: string; description: string; sku: string; products: Spec[] }[] = [
  {
    id: DEMO_STORES.lumen,
    name: 'Lumen & Oak',
    description: 'Lamps, lighting and kitchen tools for a warm, well-made home.',
    sku: 'LO',
    products: [
      {
        title: 'Oak Desk Lamp with Linen Shade',
        description: 'A solid oak desk lamp with a soft linen shade and a warm LED bulb. Perfect for reading and late-night work.',
        category: CATEGORY.lighting,
        price: 4999,
        colors: ['Natural', 'Walnut'],
      },
      {
        title: 'Adjustable LED Floor Lamp',
        description: 'Tall dimmable floor lamp with three colour temperatures and a flexible gooseneck for living rooms.',
        category: CATEGORY.lighting,
        price: 7999,
        colors: ['Black', 'White'],
      },
      {
        title: 'Rechargeable Bedside Table Lamp',
        description: 'Cordless touch lamp that charges over USB-C and lasts a week of evenings on the nightstand.',
        category: CATEGORY.lighting,
        price: 2999,
        colors: ['Sand', 'Sage', 'Charcoal'],
      },
      {
        title: 'Rattan Pendant Light',
        description: 'Hand-woven rattan pendant that casts beautiful patterned light over a dining table.',
        category: CATEGORY.lighting,
        price: 6499,
        colors: ['Natural'],
        sizes: ['Small', 'Large'],
      },
      {
        title: 'Warm White Fairy String Lights',
        description: 'Ten metres of copper wire fairy lights with a remote and eight modes for patios and bedrooms.',
        category: CATEGORY.lighting,
        price: 1599,
        colors: ['Warm White', 'Multicolor'],
      },
      {
        title: 'Stainless Steel Chef Knife',
        description: 'An eight inch chef knife forged from high-carbon stainless steel, balanced for everyday chopping and slicing.',
        category: CATEGORY.kitchen,
        price: 5999,
        colors: ['Steel'],
      },
      {
        title: 'Bamboo Cutting Board Set',
        description: 'Three bamboo cutting boards with juice grooves, gentle on knives and easy to clean.',
        category: CATEGORY.kitchen,
        price: 2499,
        colors: ['Natural'],
      },
      {
        title: 'Silicone Kitchen Utensil Set',
        description: 'Twelve heat-resistant silicone utensils, spatulas, ladle and tongs, with a wooden holder.',
        category: CATEGORY.kitchen,
        price: 3299,
        colors: ['Grey', 'Green', 'Black'],
      },
      {
        title: 'Cast Iron Skillet',
        description: 'Pre-seasoned cast iron frying pan that goes from stove to oven; sears steak and bakes cornbread.',
        category: CATEGORY.kitchen,
        price: 3999,
        colors: ['Black'],
        sizes: ['10 inch', '12 inch'],
      },
      {
        title: 'Digital Kitchen Scale',
        description: 'Precise kitchen scale that weighs to one gram, with a tare button and a backlit display for baking.',
        category: CATEGORY.kitchen,
        price: 1999,
        colors: ['White', 'Black'],
      },
    ],
  },
  {
    id: DEMO_STORES.soundwave,
    name: 'SoundWave Audio',
    description: 'Headphones, speakers and phone accessories.',
    sku: 'SW',
    products: [
      {
        title: 'Wireless Noise Cancelling Headphones',
        description: 'Over-ear Bluetooth headphones with active noise cancellation and thirty hours of battery life.',
        category: CATEGORY.audio,
        price: 12999,
        colors: ['Black', 'Silver', 'Midnight Blue'],
      },
      {
        title: 'True Wireless Earbuds',
        description: 'Compact earbuds with a charging case, sweat resistance and clear calls for running and commuting.',
        category: CATEGORY.audio,
        price: 5999,
        colors: ['White', 'Black'],
      },
      {
        title: 'Portable Bluetooth Speaker',
        description: 'Waterproof speaker with deep bass and twelve hours of playtime; take music to the beach.',
        category: CATEGORY.audio,
        price: 4499,
        colors: ['Red', 'Blue', 'Black'],
      },
      {
        title: 'Studio Monitor Headphones',
        description: 'Closed-back wired headphones with a flat response for mixing, recording and podcasting.',
        category: CATEGORY.audio,
        price: 8999,
        colors: ['Black'],
      },
      {
        title: 'Kids Volume Limited Headphones',
        description: 'Soft, light headphones for children that cap the volume at a safe level; foldable for travel.',
        category: CATEGORY.audio,
        price: 2499,
        colors: ['Pink', 'Blue', 'Yellow'],
      },
      {
        title: 'Clear Shockproof Phone Case',
        description: 'Slim transparent phone case with reinforced corners that protects against drops without hiding your phone.',
        category: CATEGORY.phoneAccessories,
        price: 1299,
        colors: ['Clear'],
        sizes: ['iPhone 15', 'iPhone 15 Pro', 'Galaxy S24'],
      },
      {
        title: 'Leather Wallet Phone Case',
        description: 'Genuine leather folio case with card slots and a magnetic clasp.',
        category: CATEGORY.phoneAccessories,
        price: 2999,
        colors: ['Brown', 'Black'],
        sizes: ['iPhone 15', 'Galaxy S24'],
      },
      {
        title: 'Fast Wireless Charger Pad',
        description: 'Fifteen watt wireless charging pad for phones and earbuds, with a non-slip surface.',
        category: CATEGORY.phoneAccessories,
        price: 1999,
        colors: ['White', 'Black'],
      },
      {
        title: 'USB-C Braided Charging Cable',
        description: 'Two metre braided USB-C cable for fast charging and data; survives ten thousand bends.',
        category: CATEGORY.phoneAccessories,
        price: 999,
        colors: ['Grey', 'Red'],
      },
    ],
  },
  {
    id: DEMO_STORES.bloom,
    name: 'Bloom Boutique',
    description: 'Dresses and easy everyday clothing.',
    sku: 'BB',
    products: [
      {
        title: 'Floral Summer Maxi Dress',
        description: 'Flowing floral maxi dress in light chiffon with a tie waist, made for summer weddings and holidays.',
        category: CATEGORY.womensClothing,
        price: 4599,
        colors: ['Blue Floral', 'Red Floral'],
        sizes: ['S', 'M', 'L'],
      },
      {
        title: 'Little Black Cocktail Dress',
        description: 'A classic knee-length black dress with a fitted waist for parties and evenings out.',
        category: CATEGORY.womensClothing,
        price: 5999,
        colors: ['Black'],
        sizes: ['XS', 'S', 'M', 'L'],
      },
      {
        title: 'Linen Shirt Dress',
        description: 'Breathable linen shirt dress with pockets and a belt, easy to wear to work or the weekend market.',
        category: CATEGORY.womensClothing,
        price: 4999,
        colors: ['White', 'Olive'],
        sizes: ['S', 'M', 'L', 'XL'],
      },
      {
        title: 'Knitted Sweater Dress',
        description: 'Cosy ribbed knit sweater dress for autumn and winter, pairs well with boots.',
        category: CATEGORY.womensClothing,
        price: 5499,
        colors: ['Camel', 'Grey'],
        sizes: ['S', 'M', 'L'],
      },
      {
        title: 'Polka Dot Wrap Dress',
        description: 'Vintage-inspired wrap dress with polka dots and flutter sleeves.',
        category: CATEGORY.womensClothing,
        price: 3999,
        colors: ['Navy', 'Red'],
        sizes: ['S', 'M', 'L'],
      },
      {
        title: 'Denim Midi Skirt',
        description: 'High-waisted denim midi skirt with a front slit; a wardrobe staple.',
        category: CATEGORY.womensClothing,
        price: 3499,
        colors: ['Light Blue', 'Dark Blue'],
        sizes: ['S', 'M', 'L'],
      },
    ],
  },
  {
    id: DEMO_STORES.stride,
    name: 'StrideLab',
    description: 'Sneakers, running shoes and sports gear.',
    sku: 'ST',
    products: [
      {
        title: 'Classic White Leather Sneakers',
        description: 'Minimal white leather sneakers with a cushioned insole that go with everything.',
        category: CATEGORY.shoes,
        price: 6999,
        colors: ['White'],
        sizes: ['38', '40', '42', '44'],
      },
      {
        title: 'Lightweight Running Shoes',
        description: 'Breathable mesh running shoes with a responsive foam sole for long distance training.',
        category: CATEGORY.shoes,
        price: 8999,
        colors: ['Black', 'Neon Green'],
        sizes: ['40', '42', '44'],
      },
      {
        title: 'High Top Canvas Sneakers',
        description: 'Retro high-top canvas sneakers with a rubber toe cap.',
        category: CATEGORY.shoes,
        price: 4499,
        colors: ['Black', 'Red', 'White'],
        sizes: ['38', '40', '42'],
      },
      {
        title: 'Trail Hiking Boots',
        description: 'Waterproof hiking boots with ankle support and a grippy outsole for mountain trails.',
        category: CATEGORY.shoes,
        price: 11999,
        colors: ['Brown'],
        sizes: ['40', '42', '44', '46'],
      },
      {
        title: 'Non-Slip Yoga Mat',
        description: 'Six millimetre thick yoga mat with a non-slip texture and a carrying strap.',
        category: CATEGORY.sports,
        price: 2999,
        colors: ['Purple', 'Teal', 'Black'],
      },
      {
        title: 'Adjustable Dumbbell Pair',
        description: 'Space-saving adjustable dumbbells from two to twenty kilograms for home workouts.',
        category: CATEGORY.sports,
        price: 14999,
        colors: ['Black'],
      },
      {
        title: 'Insulated Water Bottle',
        description: 'Stainless steel bottle that keeps drinks cold for twenty-four hours; leak-proof lid for the gym and hiking.',
        category: CATEGORY.sports,
        price: 2499,
        colors: ['Black', 'White', 'Sky Blue'],
        sizes: ['500 ml', '750 ml'],
      },
    ],
  },
];

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
      await q.insertStore(tx, {
        id: st.id,
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
          storeId: st.id,
          categoryId: spec.category,
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
          variants.map((v, position) => ({ ...v, productId: p.id, storeId: st.id, position })),
        );
      }
    }
  });
}
