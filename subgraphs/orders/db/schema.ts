/** The orders subgraph's tables, all in the PostgreSQL schema "orders". */
import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, pgSchema, primaryKey, smallint, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { cents, createdNow, generatedId, jsonList, postalAddress, textList, timestamptz as ts, uuidList } from '../../../platform/columns.ts';

export const ordersSchema = pgSchema('orders');

/** The order a row belongs to (deleted with it). */
const orderRef = () =>
  uuid('order_id')
    .notNull()
    .references(() => orders.id, { onDelete: 'cascade' });

/** Human-facing order numbers: date + this sequence. */
export const orderNumberSeq = ordersSchema.sequence('order_number_seq', { startWith: 1000 });

export const orders = ordersSchema.table(
  'orders',
  {
    id: uuid('id').primaryKey(),
    number: text('number').notNull(),
    buyerId: uuid('buyer_id').notNull(),
    storeId: uuid('store_id').notNull(),
    /** The store's owner at checkout (catalog checkoutQuote storeOwnerId). */
    sellerId: uuid('seller_id').notNull(),
    storeName: text('store_name').notNull().default(''),
    status: text('status').notNull(),
    /** The status before the last transition. */
    previousStatus: text('previous_status'),
    /** The status an open dispute returns to when resolved without refund. */
    statusBeforeDispute: text('status_before_dispute'),
    checkoutKey: text('checkout_key').notNull(),
    /** catalog reserveStock key of this order's stock. */
    reservationKey: text('reservation_key').notNull(),
    ...postalAddress(),
    shippingMethod: text('shipping_method').notNull(),
    subtotal: cents('subtotal'),
    shippingCost: cents('shipping_cost'),
    discount: cents('discount'),
    total: cents('total'),
    couponCodes: textList('coupon_codes'),
    paymentDeadline: ts('payment_deadline'),
    shipByDeadline: ts('ship_by_deadline'),
    deliveryDeadline: ts('delivery_deadline'),
    feedbackDeadline: ts('feedback_deadline'),
    trackingNumber: text('tracking_number'),
    /** shipOrder's carrier (optional). */
    carrier: text('carrier'),
    /** The store's handling time at checkout, when the store set one: the ship-by deadline is payment + these days (null: ORDER_SHIPPING_WINDOW_S). */
    handlingDays: integer('handling_days'),
    /** Placed + handling days + the chosen option's minDays / maxDays (null: orders from before estimates). */
    estimatedDeliveryFrom: ts('estimated_delivery_from'),
    estimatedDeliveryTo: ts('estimated_delivery_to'),
    shippedAt: ts('shipped_at'),
    /** The first DELIVERED tracking event's time: it started the buyer's confirmation window. */
    deliveredAt: ts('delivered_at'),
    paymentId: uuid('payment_id'),
    /** The payment attempt that has claimed this order (payOrders): at most one at a time. */
    payingPaymentId: uuid('paying_payment_id'),
    disputeReason: text('dispute_reason'),
    disputeDescription: text('dispute_description'),
    disputeOpenedAt: ts('dispute_opened_at'),
    disputeResolvedAt: ts('dispute_resolved_at'),
    disputeRefunded: boolean('dispute_refunded'),
    /** OPEN (the seller answers) | REFUSED (the seller said no) | ESCALATED (an admin settles) | RESOLVED. */
    disputeStatus: text('dispute_status'),
    /** The disputed lines `[{ orderLineId, quantity, amount }]`; empty: the whole order. */
    disputeLines: jsonList('dispute_lines'),
    /** What the buyer asks back (minor units): the disputed lines' share, or the whole order. */
    disputeAmount: integer('dispute_amount'),
    /** Past it without an answer from the seller, the buyer may escalate; after a refusal, the buyer may escalate until it. */
    disputeAnswerDue: ts('dispute_answer_due'),
    disputeEscalatedAt: ts('dispute_escalated_at'),
    /** The buyer was told that the seller's answer deadline passed (once per dispute). */
    disputeOverdueNoticed: boolean('dispute_overdue_noticed').notNull().default(false),
    /** What this dispute's settlement refunded (minor units). */
    disputeRefundAmount: integer('dispute_refund_amount'),
    /** SELLER | ADMIN: who settled the dispute. */
    disputeResolvedBy: text('dispute_resolved_by'),
    /** The arbitrating admin's note. */
    disputeNote: text('dispute_note'),
    /** Sum of the order's refunds (orders.refunds), never above `total`: checked by the statement that adds one. */
    refundedAmount: integer('refunded_amount').notNull().default(0),
    /** Outbox of give-backs owed after a transition committed, retried until done. */
    releaseStockDue: boolean('release_stock_due').notNull().default(false),
    releaseCouponsDue: boolean('release_coupons_due').notNull().default(false),
    refundDue: boolean('refund_due').notNull().default(false),
    compensationLeaseUntil: ts('compensation_lease_until'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('orders_number_idx').on(t.number),
    index('orders_buyer_created_idx').on(t.buyerId, t.createdAt, t.id),
    index('orders_store_created_idx').on(t.storeId, t.createdAt, t.id),
    index('orders_status_idx').on(t.status),
    index('orders_payment_due_idx')
      .on(t.paymentDeadline)
      .where(sql`status = 'PAYMENT_REQUIRED'`),
    index('orders_ship_due_idx')
      .on(t.shipByDeadline)
      .where(sql`status = 'SHIPMENT_REQUIRED'`),
    index('orders_delivery_due_idx')
      .on(t.deliveryDeadline)
      .where(sql`status = 'UNCONFIRMED_DELIVERY'`),
    index('orders_feedback_due_idx')
      .on(t.feedbackDeadline)
      .where(sql`status = 'FEEDBACK_REQUIRED'`),
    index('orders_dispute_status_idx')
      .on(t.disputeStatus, t.disputeOpenedAt, t.id)
      .where(sql`dispute_status is not null`),
    index('orders_dispute_answer_due_idx')
      .on(t.disputeAnswerDue)
      .where(sql`status = 'DISPUTED' and dispute_status = 'OPEN' and not dispute_overdue_noticed`),
    index('orders_compensation_idx')
      .on(t.id)
      .where(sql`release_stock_due or release_coupons_due or refund_due`),
  ],
);

export const orderLines = ordersSchema.table(
  'order_lines',
  {
    id: generatedId(),
    orderId: orderRef(),
    position: integer('position').notNull(),
    productId: uuid('product_id').notNull(),
    variantId: uuid('variant_id').notNull(),
    title: text('title').notNull(),
    options: jsonList('options'),
    quantity: integer('quantity').notNull(),
    unitPrice: cents('unit_price'),
    subtotal: cents('subtotal'),
  },
  (t) => [index('order_lines_order_idx').on(t.orderId, t.position), index('order_lines_product_idx').on(t.productId)],
);

export const statusHistory = ordersSchema.table(
  'status_history',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    orderId: orderRef(),
    status: text('status').notNull(),
    at: ts('at').notNull(),
    reason: text('reason'),
  },
  (t) => [index('status_history_order_idx').on(t.orderId, t.seq)],
);

export const feedback = ordersSchema.table(
  'feedback',
  {
    id: generatedId(),
    orderId: orderRef(),
    buyerId: uuid('buyer_id').notNull(),
    storeId: uuid('store_id').notNull(),
    productRating: smallint('product_rating').notNull(),
    shippingRating: smallint('shipping_rating').notNull(),
    communicationRating: smallint('communication_rating').notNull(),
    comment: text('comment'),
    /** 1–5, optional: was the item as described. */
    asDescribedRating: smallint('as_described_rating'),
    /** At most 5 http(s) URLs. */
    photoUrls: textList('photo_urls'),
    createdAt: ts('created_at').notNull(),
    /** Set by the buyer's one edit (editFeedback). */
    editedAt: ts('edited_at'),
    /** The seller's one reply (replyToFeedback). */
    replyText: text('reply_text'),
    replyAt: ts('reply_at'),
  },
  (t) => [
    uniqueIndex('feedback_order_idx').on(t.orderId),
    index('feedback_store_idx').on(t.storeId),
    index('feedback_buyer_idx').on(t.buyerId, t.createdAt, t.id),
  ],
);

/** Per-line product ratings of a feedback (FeedbackInput.lineRatings); a line without one takes the feedback's productRating. */
export const feedbackLines = ordersSchema.table(
  'feedback_lines',
  {
    orderLineId: uuid('order_line_id')
      .primaryKey()
      .references(() => orderLines.id, { onDelete: 'cascade' }),
    orderId: orderRef(),
    productId: uuid('product_id').notNull(),
    rating: smallint('rating').notNull(),
  },
  (t) => [index('feedback_lines_order_idx').on(t.orderId), index('feedback_lines_product_idx').on(t.productId)],
);

/** Checkout idempotency: the first call with (buyer, key) claims it; the others answer its orders. */
export const checkouts = ordersSchema.table(
  'checkouts',
  {
    buyerId: uuid('buyer_id').notNull(),
    key: text('key').notNull(),
    /** Fresh per attempt: the catalog/promotions keys of a failed attempt are never reused. */
    attempt: uuid('attempt').notNull(),
    state: text('state').notNull(), // PENDING | DONE
    orderIds: uuidList('order_ids'),
    createdAt: createdNow(),
    /**
     * The attempt holds the key until then (CHECKOUT_LEASE_S, renewed before each
     * remote step). Past it, a call with the same key takes the claim over and the
     * sweeper recovers it; null (claims from before leases): expired.
     */
    leaseUntil: ts('lease_until'),
  },
  (t) => [
    primaryKey({ columns: [t.buyerId, t.key] }),
    index('checkouts_pending_lease_idx')
      .on(t.leaseUntil)
      .where(sql`state = 'PENDING'`),
  ],
);

/**
 * Durable checkout side effects on other subgraphs, one row each:
 * release_stock { key }, release_coupons { key }, remove_cart_lines { cartId, lineIds }.
 * ARMED: written before the remote step it would undo, held while its attempt
 * lives; DUE: to be run by the worker (with backoff) until the other subgraph
 * acknowledges, then deleted. An attempt that commits deletes its ARMED rows in
 * the orders transaction; one that fails or dies has them made DUE.
 */
export const checkoutJobs = ordersSchema.table(
  'checkout_jobs',
  {
    id: generatedId(),
    buyerId: uuid('buyer_id').notNull(),
    checkoutKey: text('checkout_key').notNull(),
    attempt: uuid('attempt').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    state: text('state').notNull(), // ARMED | DUE
    tries: integer('tries').notNull().default(0),
    nextRunAt: ts('next_run_at').notNull(),
    leaseUntil: ts('lease_until'),
    lastError: text('last_error'),
    createdAt: createdNow(),
  },
  (t) => [
    index('checkout_jobs_attempt_idx').on(t.attempt),
    index('checkout_jobs_due_idx')
      .on(t.nextRunAt)
      .where(sql`state = 'DUE'`),
  ],
);

/** Cart lines that became an order: never bought twice, even while their removal from the cart is pending. */
export const orderedCartLines = ordersSchema.table('ordered_cart_lines', {
  cartLineId: uuid('cart_line_id').primaryKey(),
  orderId: uuid('order_id').notNull(),
  createdAt: createdNow(),
});

/**
 * One row per payOrders idempotency key: one charge per (buyer, key). The row's
 * id is the provider's idempotency key. A PENDING row is a claim with a lease:
 * when `lease_until` passes, the attempt is presumed dead and is recovered.
 */
export const payments = ordersSchema.table(
  'payments',
  {
    id: generatedId(),
    buyerId: uuid('buyer_id').notNull(),
    key: text('key').notNull(),
    state: text('state').notNull(), // PENDING | REQUIRES_ACTION | SUCCEEDED | DECLINED | VOIDED
    method: text('method').notNull(),
    /** The saved method it was paid with (orders.saved_payment_methods), if any. */
    savedMethodId: uuid('saved_method_id'),
    /** REQUIRES_ACTION: where the buyer completes the payment (3-D Secure); the provider's webhook settles it. */
    nextActionUrl: text('next_action_url'),
    amount: integer('amount').notNull().default(0),
    orderIds: uuidList('order_ids'),
    providerRef: text('provider_ref'),
    declineMessage: text('decline_message'),
    /**
     * PENDING: the attempt's lease; past it, the sweeper (or a retry) recovers the payment.
     * REQUIRES_ACTION: until when the buyer may complete it (PAYMENT_ACTION_TIMEOUT_S); past it, the same.
     */
    leaseUntil: ts('lease_until'),
    /** Part of the charge its orders could not take (already paid by another payment): refunded. */
    voidAmount: integer('void_amount').notNull().default(0),
    voidDue: boolean('void_due').notNull().default(false),
    voidRef: text('void_ref'),
    voidLeaseUntil: ts('void_lease_until'),
    createdAt: createdNow(),
  },
  (t) => [
    uniqueIndex('payments_buyer_key_idx').on(t.buyerId, t.key),
    index('payments_pending_idx')
      .on(t.leaseUntil)
      .where(sql`state = 'PENDING'`),
    index('payments_action_idx')
      .on(t.leaseUntil)
      .where(sql`state = 'REQUIRES_ACTION'`),
    index('payments_buyer_created_idx').on(t.buyerId, t.createdAt, t.id),
    index('payments_void_due_idx')
      .on(t.id)
      .where(sql`void_due`),
  ],
);

/**
 * Refunds owed and made, several per order (a cancellation's, each dispute settlement's).
 * A row is written in the transaction that owes it (with `orders.refunded_amount`); the
 * refunds job pays rows without `provider_ref` with the provider, key `key`, until it confirms.
 */
export const refunds = ordersSchema.table(
  'refunds',
  {
    id: generatedId(),
    orderId: uuid('order_id').notNull(),
    paymentId: uuid('payment_id').notNull(),
    amount: cents('amount'),
    /** Shown to the buyer (Order.refunds). */
    reason: text('reason').notNull().default(''),
    /** The provider's idempotency key: `refund:<order id>` (a cancellation), `refund:<order id>:<n>` (the order's n-th refund). */
    key: text('key').notNull(),
    providerRef: text('provider_ref'),
    leaseUntil: ts('lease_until'),
    createdAt: createdNow(),
  },
  (t) => [
    uniqueIndex('refunds_key_idx').on(t.key),
    index('refunds_order_idx').on(t.orderId, t.createdAt),
    index('refunds_payment_idx').on(t.paymentId),
    index('refunds_owed_idx')
      .on(t.createdAt)
      .where(sql`provider_ref is null and amount > 0`),
  ],
);

/**
 * A buyer's saved payment methods: the provider's reference (a Stripe
 * PaymentMethod attached to the buyer's Stripe customer, or the test
 * provider's token) and what the buyer is shown. Never a card number.
 */
export const savedPaymentMethods = ordersSchema.table(
  'saved_payment_methods',
  {
    id: generatedId(),
    userId: uuid('user_id').notNull(),
    method: text('method').notNull(), // CARD | PAYPAL | LOCAL
    providerRef: text('provider_ref').notNull(),
    /** The provider's customer the method is attached to (Stripe), if any. */
    customerRef: text('customer_ref'),
    brand: text('brand'),
    last4: text('last4'),
    expMonth: integer('exp_month'),
    expYear: integer('exp_year'),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: createdNow(),
  },
  (t) => [
    index('saved_payment_methods_user_idx').on(t.userId, t.createdAt),
    uniqueIndex('saved_payment_methods_ref_idx').on(t.userId, t.providerRef),
    uniqueIndex('saved_payment_methods_default_idx')
      .on(t.userId)
      .where(sql`is_default`),
  ],
);

/** The provider's customer of each buyer (Stripe), created once. */
export const providerCustomers = ordersSchema.table('provider_customers', {
  userId: uuid('user_id').primaryKey(),
  customerRef: text('customer_ref').notNull(),
  createdAt: createdNow(),
});

/**
 * The Stripe adapter's record of its PaymentIntents by our idempotency key
 * (payments/stripe.ts), written before the intent is confirmed: so what became
 * of a key can always be asked, and a key closed by `resolveCharge` (closed,
 * no intent) is never charged afterwards.
 */
export const providerIntents = ordersSchema.table('provider_intents', {
  idempotencyKey: text('idempotency_key').primaryKey(),
  intentId: text('intent_id'),
  closed: boolean('closed').notNull().default(false),
  createdAt: createdNow(),
});

/** Provider webhook events processed, by the provider's event id: each is processed once. */
export const providerEvents = ordersSchema.table('provider_events', {
  eventId: text('event_id').primaryKey(),
  type: text('type').notNull(),
  paymentId: uuid('payment_id'),
  outcome: text('outcome').notNull(),
  receivedAt: ts('received_at').notNull().defaultNow(),
});

/**
 * The built-in test payment provider's own records (payments/test-provider.ts). It
 * stands for an external provider: it keeps its charges by idempotency key in
 * the database so that they survive a restart of the orders process, and a
 * request repeated with a key answers the first result.
 */
export const testProviderCharges = ordersSchema.table('test_provider_charges', {
  idempotencyKey: text('idempotency_key').primaryKey(),
  status: text('status').notNull(), // SUCCEEDED | DECLINED | CANCELLED
  reference: text('reference'),
  amount: integer('amount').notNull().default(0),
  currency: text('currency').notNull().default(''),
  method: text('method').notNull().default(''),
  message: text('message'),
  createdAt: createdNow(),
});

export const testProviderRefunds = ordersSchema.table('test_provider_refunds', {
  idempotencyKey: text('idempotency_key').primaryKey(),
  chargeReference: text('charge_reference').notNull(),
  amount: cents('amount'),
  reference: text('reference').notNull(),
  createdAt: createdNow(),
});

/** Tracking events of shipped orders (addTrackingEvent), the timeline of Order.shipment. */
export const trackingEvents = ordersSchema.table(
  'tracking_events',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    orderId: orderRef(),
    /** IN_TRANSIT | OUT_FOR_DELIVERY | DELIVERED | EXCEPTION */
    status: text('status').notNull(),
    /** When it happened (as the carrier says). */
    at: ts('at').notNull(),
    location: text('location'),
    description: text('description'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('tracking_events_order_idx').on(t.orderId, t.at, t.seq)],
);
