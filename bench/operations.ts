/** The marketplace pages the benchmark loads, as a web client sends them. */

export const DASHBOARD = `query Dashboard {
  viewer {
    id fullName photoUrl
    orderCounts { paymentRequired shipmentRequired unconfirmedDelivery feedbackRequired disputed all }
    unreadMessageCount
    coupons { status coupon { id code title amountOff { amount } percentOff expiresAt } }
    cart { id totalQuantity subtotal { amount } lines { id quantity unitPrice { amount } product { id title images store { id name } } variant { id options { name value } } } }
    orders(first: 10) { totalCount edges { node { id number status total { amount } createdAt store { id name } lines { id title quantity product { id images } } } } }
  }
}`;

/** The dashboard with the orders page size as a variable (for the SQL count). */
export const DASHBOARD_PAGED = DASHBOARD.replace('query Dashboard {', 'query Dashboard($orders: Int!) {').replace(
  'orders(first: 10)',
  'orders(first: $orders)',
);

export const PRODUCT = `query ProductPage($id: ID!) {
  product(id: $id) {
    id title description images rating reviewCount watched
    priceRange { min { amount } max { amount } }
    variants { id sku price { amount } stock options { name value } }
    store { id name rating followerCount }
    reviews(first: 10) { totalCount edges { node { id rating comment authorName createdAt } } }
  }
}`;

export const SEARCH = `query SearchPage($q: String, $first: Int) {
  searchProducts(query: $q, first: $first) {
    totalCount
    edges { cursor node { id title images rating reviewCount priceRange { min { amount } max { amount } } store { id name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface Page {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Needs a signed-in viewer. */
  auth: boolean;
}

export function pages(productId: string): Page[] {
  return [
    { name: 'dashboard', query: DASHBOARD, auth: true },
    { name: 'product', query: PRODUCT, variables: { id: productId }, auth: true },
    { name: 'search', query: SEARCH, variables: { q: null, first: 20 }, auth: true },
  ];
}
