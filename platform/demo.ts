/**
 * Fixed identities of the demo data, so each subgraph can seed its own part
 * (the catalog's demo stores belong to the demo seller) without reading
 * another subgraph's tables.
 */
export const DEMO = {
  buyerId: '00000000-0000-4000-8000-00000000b001',
  sellerId: '00000000-0000-4000-8000-00000000a001',
  password: 'demo-password',
  buyerEmail: 'buyer@demo.test',
  sellerEmail: 'seller@demo.test',
} as const;
