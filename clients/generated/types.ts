export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  DateTime: { input: string; output: string; }
};

export type Attachment = {
  __typename: 'Attachment';
  contentType: Scalars['String']['output'];
  url: Scalars['String']['output'];
};

export type AttachmentInput = {
  contentType: Scalars['String']['input'];
  url: Scalars['String']['input'];
};

/** One admin action, as recorded (append-only: nobody can change or remove an entry). */
export type AuditEntry = {
  __typename: 'AuditEntry';
  /** What was done: SUSPEND_STORE, REINSTATE_STORE, SUSPEND_USER, REINSTATE_USER, RESOLVE_REPORT (see docs/admin.md). */
  action: Scalars['String']['output'];
  /** The admin's email when the entry was recorded. */
  actorEmail: Maybe<Scalars['String']['output']>;
  /** The admin who acted. */
  actorId: Scalars['ID']['output'];
  /** When it was done. */
  at: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Why (the admin's reason or note). */
  reason: Maybe<Scalars['String']['output']>;
  targetId: Scalars['ID']['output'];
  /** What it was done to: STORE, USER, REPORT. */
  targetType: Scalars['String']['output'];
};

export type AuditEntryConnection = {
  __typename: 'AuditEntryConnection';
  edges: Array<AuditEntryEdge>;
  pageInfo: PageInfo;
};

export type AuditEntryEdge = {
  __typename: 'AuditEntryEdge';
  cursor: Scalars['String']['output'];
  node: AuditEntry;
};

export type AuthPayload = {
  __typename: 'AuthPayload';
  accessToken: Maybe<Scalars['String']['output']>;
  refreshToken: Maybe<Scalars['String']['output']>;
  userErrors: Array<UserError>;
  viewer: Maybe<User>;
};

export type Cart = {
  __typename: 'Cart';
  id: Scalars['ID']['output'];
  lines: Array<CartLine>;
  subtotal: Money;
  totalQuantity: Scalars['Int']['output'];
};

export type CartLine = {
  __typename: 'CartLine';
  /**
   * False when the product was archived or the variant removed: the line cannot be bought
   * (checkout refuses it with PRODUCT_UNAVAILABLE) and Cart.subtotal leaves it out.
   */
  available: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  product: Product;
  quantity: Scalars['Int']['output'];
  subtotal: Money;
  unitPrice: Money;
  variant: ProductVariant;
};

export type CartPayload = {
  __typename: 'CartPayload';
  cart: Maybe<Cart>;
  userErrors: Array<UserError>;
};

export type Category = {
  __typename: 'Category';
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  parent: Maybe<Category>;
};

export type CheckoutInput = {
  /** A guest cart's id; omitted: the viewer's own cart. */
  cartId?: InputMaybe<Scalars['ID']['input']>;
  couponCodes?: InputMaybe<Array<Scalars['String']['input']>>;
  /**
   * The total the buyer was shown, as a Money amount ("27.49"): the sum of every store
   * order's total after discounts and shipping. If the checkout's total differs (a price
   * changed since), nothing is created and the userError code is PRICE_CHANGED.
   */
  expectedTotal?: InputMaybe<Scalars['String']['input']>;
  /** Same key again returns the orders of the first call, and creates nothing. */
  idempotencyKey: Scalars['String']['input'];
  /** Cart lines to buy; omitted: every line. */
  lineIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  /** Per store; a store not listed ships STANDARD. */
  shipping?: InputMaybe<Array<StoreShippingInput>>;
  shippingAddressId: Scalars['ID']['input'];
};

export type CheckoutPayload = {
  __typename: 'CheckoutPayload';
  /** One order per store. */
  orders: Array<Order>;
  userErrors: Array<UserError>;
};

export type ClaimCouponPayload = {
  __typename: 'ClaimCouponPayload';
  userCoupon: Maybe<UserCoupon>;
  userErrors: Array<UserError>;
};

export type Conversation = {
  __typename: 'Conversation';
  archived: Scalars['Boolean']['output'];
  category: ConversationCategory;
  id: Scalars['ID']['output'];
  lastMessage: Maybe<Message>;
  /** Newest first. */
  messages: MessageConnection;
  order: Maybe<Order>;
  /** The other side of a SELLER conversation. */
  store: Maybe<Store>;
  /** Unread by the viewer (buyer or seller side). */
  unreadCount: Scalars['Int']['output'];
  updatedAt: Scalars['DateTime']['output'];
};


export type ConversationMessagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type ConversationCategory =
  | 'ORDER_UPDATES'
  | 'PROMOTIONS'
  | 'SELLER';

export type ConversationConnection = {
  __typename: 'ConversationConnection';
  edges: Array<ConversationEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ConversationEdge = {
  __typename: 'ConversationEdge';
  cursor: Scalars['String']['output'];
  node: Conversation;
};

export type ConversationPayload = {
  __typename: 'ConversationPayload';
  conversation: Maybe<Conversation>;
  userErrors: Array<UserError>;
};

/** A report of a SELLER conversation by one of its participants. */
export type ConversationReport = {
  __typename: 'ConversationReport';
  /** The reported conversation, with its messages. */
  conversation: Conversation;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  reason: Scalars['String']['output'];
  /** The store reported (when a buyer reported). */
  reportedStore: Maybe<Store>;
  /** The person reported. */
  reportedUserId: Maybe<Scalars['ID']['output']>;
  reporterId: Scalars['ID']['output'];
  /** BUYER: the buyer reported the store; SELLER: the store's owner reported the buyer. */
  reporterSide: SenderRole;
  resolution: Maybe<ReportAction>;
  resolutionNote: Maybe<Scalars['String']['output']>;
  resolvedAt: Maybe<Scalars['DateTime']['output']>;
  status: ReportStatus;
};

export type ConversationReportConnection = {
  __typename: 'ConversationReportConnection';
  edges: Array<ConversationReportEdge>;
  pageInfo: PageInfo;
};

export type ConversationReportEdge = {
  __typename: 'ConversationReportEdge';
  cursor: Scalars['String']['output'];
  node: ConversationReport;
};

export type Coupon = {
  __typename: 'Coupon';
  /** Exactly one of amountOff and percentOff is set. */
  amountOff: Maybe<Money>;
  code: Scalars['String']['output'];
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  kind: CouponKind;
  minOrderAmount: Money;
  percentOff: Maybe<Scalars['Int']['output']>;
  /** Claims left; null when unlimited. */
  remaining: Maybe<Scalars['Int']['output']>;
  startsAt: Scalars['DateTime']['output'];
  /** SELLER coupons only: the one store where it can be used. */
  store: Maybe<Store>;
  title: Scalars['String']['output'];
};

export type CouponKind =
  | 'PLATFORM'
  | 'SELLER';

export type CouponPayload = {
  __typename: 'CouponPayload';
  coupon: Maybe<Coupon>;
  userErrors: Array<UserError>;
};

export type CouponStatus =
  | 'AVAILABLE'
  | 'EXPIRED'
  | 'USED';

export type CreateCouponInput = {
  amountOff?: InputMaybe<Scalars['String']['input']>;
  code: Scalars['String']['input'];
  expiresAt: Scalars['DateTime']['input'];
  kind: CouponKind;
  minOrderAmount: Scalars['String']['input'];
  percentOff?: InputMaybe<Scalars['Int']['input']>;
  /** Total claims allowed; null: unlimited. Each person can claim a coupon once. */
  quantity?: InputMaybe<Scalars['Int']['input']>;
  startsAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** Required for SELLER coupons; the viewer must own the store. */
  storeId?: InputMaybe<Scalars['ID']['input']>;
  title: Scalars['String']['input'];
};

export type CreateProductInput = {
  categoryId: Scalars['ID']['input'];
  description: Scalars['String']['input'];
  images?: InputMaybe<Array<Scalars['String']['input']>>;
  storeId: Scalars['ID']['input'];
  title: Scalars['String']['input'];
  variants: Array<VariantInput>;
};

export type DeactivateAccountPayload = {
  __typename: 'DeactivateAccountPayload';
  deactivated: Scalars['Boolean']['output'];
  userErrors: Array<UserError>;
};

export type Dispute = {
  __typename: 'Dispute';
  /** OPEN: the seller answers until then, and past it the buyer may escalate. REFUSED: the buyer may escalate until then. */
  answerDeadline: Maybe<Scalars['DateTime']['output']>;
  description: Scalars['String']['output'];
  escalatedAt: Maybe<Scalars['DateTime']['output']>;
  /** The disputed lines; empty when the whole order is disputed. */
  lines: Array<DisputeLine>;
  /** The arbitrating admin's note. */
  note: Maybe<Scalars['String']['output']>;
  openedAt: Scalars['DateTime']['output'];
  order: Order;
  reason: DisputeReason;
  /** What the settlement refunded; null while unsettled. */
  refundAmount: Maybe<Money>;
  /** Whether the settlement refunded anything; null while unsettled. */
  refunded: Maybe<Scalars['Boolean']['output']>;
  /** What the buyer asks back: the disputed lines' share of the total, or the whole total. */
  requestedAmount: Money;
  resolvedAt: Maybe<Scalars['DateTime']['output']>;
  resolvedBy: Maybe<DisputeResolver>;
  status: DisputeStatus;
};

export type DisputeConnection = {
  __typename: 'DisputeConnection';
  edges: Array<DisputeEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type DisputeEdge = {
  __typename: 'DisputeEdge';
  cursor: Scalars['String']['output'];
  node: Dispute;
};

export type DisputeLine = {
  __typename: 'DisputeLine';
  /** This quantity's share of the order's total (after discounts). */
  amount: Money;
  orderLine: OrderLine;
  quantity: Scalars['Int']['output'];
};

export type DisputeLineInput = {
  orderLineId: Scalars['ID']['input'];
  /** 1 up to the line's quantity. */
  quantity: Scalars['Int']['input'];
};

export type DisputeReason =
  | 'DAMAGED'
  | 'NOT_AS_DESCRIBED'
  | 'NOT_RECEIVED'
  | 'OTHER'
  | 'WRONG_ITEM';

/** Who settled a dispute. */
export type DisputeResolver =
  | 'ADMIN'
  | 'SELLER';

/** Where a dispute stands. */
export type DisputeStatus =
  /** The platform settles it (an admin's arbitrateDispute). */
  | 'ESCALATED'
  /** The seller answers (resolveDispute) until answerDeadline; past it the buyer may escalate. */
  | 'OPEN'
  /** The seller refused; the order went back to its status before the dispute; the buyer may escalate until answerDeadline. */
  | 'REFUSED'
  /** Settled with a refund (full or partial), or by arbitration. */
  | 'RESOLVED';

export type Feedback = {
  __typename: 'Feedback';
  /** 1–5: was the item as described; null when not given. */
  asDescribedRating: Maybe<Scalars['Int']['output']>;
  comment: Maybe<Scalars['String']['output']>;
  communicationRating: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  /** When the buyer edited it (once, within 30 days); null before. */
  editedAt: Maybe<Scalars['DateTime']['output']>;
  /** Ratings per order line the buyer rated (the other lines take productRating). */
  lineRatings: Array<LineRating>;
  order: Order;
  /** At most 5 http(s) URLs. */
  photoUrls: Array<Scalars['String']['output']>;
  /** 1–5 each. */
  productRating: Scalars['Int']['output'];
  /** The seller's reply (once). */
  reply: Maybe<FeedbackReply>;
  shippingRating: Scalars['Int']['output'];
};

export type FeedbackConnection = {
  __typename: 'FeedbackConnection';
  edges: Array<FeedbackEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type FeedbackEdge = {
  __typename: 'FeedbackEdge';
  cursor: Scalars['String']['output'];
  node: Feedback;
};

export type FeedbackInput = {
  /** 1–5: was the item as described. */
  asDescribedRating?: InputMaybe<Scalars['Int']['input']>;
  comment?: InputMaybe<Scalars['String']['input']>;
  communicationRating: Scalars['Int']['input'];
  /** Per order line product ratings (1–5); lines not listed take productRating. */
  lineRatings?: InputMaybe<Array<LineRatingInput>>;
  /** At most 5 photo URLs (http or https). */
  photoUrls?: InputMaybe<Array<Scalars['String']['input']>>;
  productRating: Scalars['Int']['input'];
  shippingRating: Scalars['Int']['input'];
};

export type FeedbackReply = {
  __typename: 'FeedbackReply';
  at: Scalars['DateTime']['output'];
  text: Scalars['String']['output'];
};

export type Gender =
  | 'FEMALE'
  | 'MALE'
  | 'OTHER';

export type LineRating = {
  __typename: 'LineRating';
  orderLine: OrderLine;
  /** 1–5. */
  rating: Scalars['Int']['output'];
};

export type LineRatingInput = {
  orderLineId: Scalars['ID']['input'];
  rating: Scalars['Int']['input'];
};

export type Message = {
  __typename: 'Message';
  attachments: Array<Attachment>;
  body: Scalars['String']['output'];
  conversation: Conversation;
  createdAt: Scalars['DateTime']['output'];
  /** Opaque, increasing within the recipient's inbox; pass it back as `after` to resume. */
  cursor: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  /** Read by the viewer. */
  read: Scalars['Boolean']['output'];
  senderName: Scalars['String']['output'];
  senderRole: SenderRole;
};

export type MessageConnection = {
  __typename: 'MessageConnection';
  edges: Array<MessageEdge>;
  pageInfo: PageInfo;
};

export type MessageEdge = {
  __typename: 'MessageEdge';
  cursor: Scalars['String']['output'];
  node: Message;
};

/** Money is exact: amounts are decimal strings with two fraction digits, never floats. */
export type Money = {
  __typename: 'Money';
  amount: Scalars['String']['output'];
  currencyCode: Scalars['String']['output'];
};

export type Mutation = {
  __typename: 'Mutation';
  addShippingAddress: ShippingAddressPayload;
  /** cartId: a guest cart; omitted: the viewer's cart. */
  addToCart: CartPayload;
  addToWishList: WishListPayload;
  /** The seller (or an admin): adds a carrier's event to a shipped order's timeline; DELIVERED starts the buyer's confirmation window. */
  addTrackingEvent: OrderPayload;
  /** Store owner: a new variant (at most 50 on offer; SKU unique in the store). */
  addVariant: ProductPayload;
  /** Admin: settles a dispute (OPEN or ESCALATED) with a refund of refundAmount ("0.00": none). */
  arbitrateDispute: OrderPayload;
  archiveConversation: ConversationPayload;
  /** Store owner: takes a product off sale (out of search, cannot be bought; orders keep their snapshot). Idempotent. */
  archiveProduct: ProductPayload;
  cancelOrder: OrderPayload;
  changeEmail: UserPayload;
  /** Revokes every other session of the person. */
  changePassword: AuthPayload;
  checkout: CheckoutPayload;
  claimCoupon: ClaimCouponPayload;
  confirmReceipt: OrderPayload;
  createCoupon: CouponPayload;
  createGuestCart: Cart;
  createProduct: ProductPayload;
  deactivateAccount: DeactivateAccountPayload;
  /** Buyer: changes the feedback once, within 30 days of leaving it. */
  editFeedback: OrderPayload;
  /** Buyer: hands the dispute to the platform, after the seller refused or did not answer by answerDeadline. */
  escalateDispute: OrderPayload;
  extendShippingTime: OrderPayload;
  followStore: StoreListPayload;
  leaveFeedback: OrderPayload;
  login: AuthPayload;
  /** Revokes the session of the access token used. */
  logout: Scalars['Boolean']['output'];
  markConversationRead: ConversationPayload;
  /** Moves a guest cart's lines into the viewer's cart after sign-in. */
  mergeGuestCart: CartPayload;
  /** Buyer: disputes the lines given (each with a quantity), or the whole order without lines. */
  openDispute: OrderPayload;
  openStore: StorePayload;
  payOrders: PaymentPayload;
  refreshSession: AuthPayload;
  register: AuthPayload;
  /** Admins only: lifts a store's suspension. */
  reinstateStore: StorePayload;
  /** Admins only: lifts a suspension. */
  reinstateUser: UserModerationPayload;
  removeCartLine: CartPayload;
  removeFromWishList: WishListPayload;
  removePaymentMethod: UserPayload;
  removeShippingAddress: UserPayload;
  /** Store owner: takes a variant off offer (carts show it unavailable, orders keep their snapshot); a product keeps at least one (LAST_VARIANT). */
  removeVariant: ProductPayload;
  /** Seller: replies once to the feedback on an order. */
  replyToFeedback: OrderPayload;
  reportConversation: ConversationPayload;
  /** Emails a one-time code to the viewer's address; false when the address is already verified (nothing is sent). */
  requestEmailVerification: Scalars['Boolean']['output'];
  /** Emails a one-time code (30 minutes, single use) to an active account with that email. Always true: it tells nobody whether the account exists. */
  requestPasswordReset: Scalars['Boolean']['output'];
  /** Sets a new password with the emailed code; every other session ends, and this signs in. A wrong, used or expired code: INVALID_CODE. */
  resetPassword: AuthPayload;
  /** Sets a new password with the answer to the security question (throttled as login is); every other session ends, and this signs in. */
  resetPasswordWithSecurityAnswer: AuthPayload;
  /**
   * Seller: settles an open dispute; refund true refunds the buyer `amount` ("12.50"; default: what the
   * dispute asks, at most what is left to refund), never more than was paid minus what was refunded.
   */
  resolveDispute: OrderPayload;
  /** Admins only: resolves an open report once (DISMISS, WARN, SUSPEND_STORE, SUSPEND_USER); note is kept in the audit log. */
  resolveReport: ResolveReportPayload;
  /** Keeps a method with the payment provider for later payments (needs security level MEDIUM). The first one saved, or one saved with makeDefault, is the default. */
  savePaymentMethod: SavedPaymentMethodPayload;
  sendMessage: SendMessagePayload;
  setSecurityQuestion: UserPayload;
  /** The store's owner: replaces its handling time (1–30 days) and shipping options (an empty list: the defaults). */
  setShippingOptions: StorePayload;
  /** Seller: marks the order shipped; carrier optional. */
  shipOrder: OrderPayload;
  /** Admins only: the store leaves search and cannot sell (checkout answers STORE_SUSPENDED); its open orders go on. */
  suspendStore: StorePayload;
  /** Admins only: the account's sessions end at once and sign-in is refused (ACCOUNT_SUSPENDED) until reinstated. */
  suspendUser: UserModerationPayload;
  unarchiveConversation: ConversationPayload;
  /** Store owner: puts an archived product on sale again. Idempotent. */
  unarchiveProduct: ProductPayload;
  unfollowStore: StoreListPayload;
  /** Turns off the kind of email a notification's unsubscribe link names (the link's token; no sign-in needed). */
  unsubscribe: UnsubscribePayload;
  unwatchPrice: PriceWatchPayload;
  /** Quantity 0 removes the line. */
  updateCartLine: CartPayload;
  updateNotificationSettings: UserPayload;
  /** Store owner: title, description, category, images. */
  updateProduct: ProductPayload;
  updateProfile: UserPayload;
  updateShippingAddress: ShippingAddressPayload;
  /** Store owner: name, description, logo. */
  updateStore: StorePayload;
  updateVariant: ProductPayload;
  /** Marks the viewer's email verified with the emailed code (INVALID_CODE when wrong, used or expired). */
  verifyEmail: UserPayload;
  watchPrice: PriceWatchPayload;
};


export type MutationAddShippingAddressArgs = {
  input: ShippingAddressInput;
};


export type MutationAddToCartArgs = {
  cartId?: InputMaybe<Scalars['ID']['input']>;
  quantity: Scalars['Int']['input'];
  variantId: Scalars['ID']['input'];
};


export type MutationAddToWishListArgs = {
  productId: Scalars['ID']['input'];
};


export type MutationAddTrackingEventArgs = {
  input: TrackingEventInput;
  orderId: Scalars['ID']['input'];
};


export type MutationAddVariantArgs = {
  input: VariantInput;
  productId: Scalars['ID']['input'];
};


export type MutationArbitrateDisputeArgs = {
  note?: InputMaybe<Scalars['String']['input']>;
  orderId: Scalars['ID']['input'];
  refundAmount: Scalars['String']['input'];
};


export type MutationArchiveConversationArgs = {
  conversationId: Scalars['ID']['input'];
};


export type MutationArchiveProductArgs = {
  productId: Scalars['ID']['input'];
};


export type MutationCancelOrderArgs = {
  orderId: Scalars['ID']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationChangeEmailArgs = {
  newEmail: Scalars['String']['input'];
  password: Scalars['String']['input'];
  securityAnswer?: InputMaybe<Scalars['String']['input']>;
};


export type MutationChangePasswordArgs = {
  currentPassword: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};


export type MutationCheckoutArgs = {
  input: CheckoutInput;
};


export type MutationClaimCouponArgs = {
  code?: InputMaybe<Scalars['String']['input']>;
  couponId?: InputMaybe<Scalars['ID']['input']>;
};


export type MutationConfirmReceiptArgs = {
  orderId: Scalars['ID']['input'];
};


export type MutationCreateCouponArgs = {
  input: CreateCouponInput;
};


export type MutationCreateProductArgs = {
  input: CreateProductInput;
};


export type MutationDeactivateAccountArgs = {
  confirmEmail: Scalars['String']['input'];
  password: Scalars['String']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationEditFeedbackArgs = {
  input: FeedbackInput;
  orderId: Scalars['ID']['input'];
};


export type MutationEscalateDisputeArgs = {
  orderId: Scalars['ID']['input'];
};


export type MutationExtendShippingTimeArgs = {
  days: Scalars['Int']['input'];
  orderId: Scalars['ID']['input'];
};


export type MutationFollowStoreArgs = {
  storeId: Scalars['ID']['input'];
};


export type MutationLeaveFeedbackArgs = {
  input: FeedbackInput;
  orderId: Scalars['ID']['input'];
};


export type MutationLoginArgs = {
  email: Scalars['String']['input'];
  password: Scalars['String']['input'];
};


export type MutationMarkConversationReadArgs = {
  conversationId: Scalars['ID']['input'];
};


export type MutationMergeGuestCartArgs = {
  guestCartId: Scalars['ID']['input'];
};


export type MutationOpenDisputeArgs = {
  description: Scalars['String']['input'];
  lines?: InputMaybe<Array<DisputeLineInput>>;
  orderId: Scalars['ID']['input'];
  reason: DisputeReason;
};


export type MutationOpenStoreArgs = {
  input: OpenStoreInput;
};


export type MutationPayOrdersArgs = {
  idempotencyKey: Scalars['String']['input'];
  orderIds: Array<Scalars['ID']['input']>;
  payment: PaymentInput;
};


export type MutationRefreshSessionArgs = {
  refreshToken: Scalars['String']['input'];
};


export type MutationRegisterArgs = {
  input: RegisterInput;
};


export type MutationReinstateStoreArgs = {
  reason: Scalars['String']['input'];
  storeId: Scalars['ID']['input'];
};


export type MutationReinstateUserArgs = {
  reason: Scalars['String']['input'];
  userId: Scalars['ID']['input'];
};


export type MutationRemoveCartLineArgs = {
  cartId?: InputMaybe<Scalars['ID']['input']>;
  lineId: Scalars['ID']['input'];
};


export type MutationRemoveFromWishListArgs = {
  productId: Scalars['ID']['input'];
};


export type MutationRemovePaymentMethodArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRemoveShippingAddressArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRemoveVariantArgs = {
  variantId: Scalars['ID']['input'];
};


export type MutationReplyToFeedbackArgs = {
  orderId: Scalars['ID']['input'];
  text: Scalars['String']['input'];
};


export type MutationReportConversationArgs = {
  conversationId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


export type MutationRequestPasswordResetArgs = {
  email: Scalars['String']['input'];
};


export type MutationResetPasswordArgs = {
  code: Scalars['String']['input'];
  email: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};


export type MutationResetPasswordWithSecurityAnswerArgs = {
  answer: Scalars['String']['input'];
  email: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};


export type MutationResolveDisputeArgs = {
  amount?: InputMaybe<Scalars['String']['input']>;
  orderId: Scalars['ID']['input'];
  refund: Scalars['Boolean']['input'];
};


export type MutationResolveReportArgs = {
  action: ReportAction;
  note?: InputMaybe<Scalars['String']['input']>;
  reportId: Scalars['ID']['input'];
};


export type MutationSavePaymentMethodArgs = {
  makeDefault?: InputMaybe<Scalars['Boolean']['input']>;
  method: PaymentMethod;
  token: Scalars['String']['input'];
};


export type MutationSendMessageArgs = {
  input: SendMessageInput;
};


export type MutationSetSecurityQuestionArgs = {
  answer: Scalars['String']['input'];
  password: Scalars['String']['input'];
  question: Scalars['String']['input'];
};


export type MutationSetShippingOptionsArgs = {
  handlingDays: Scalars['Int']['input'];
  options: Array<ShippingOptionInput>;
  storeId: Scalars['ID']['input'];
};


export type MutationShipOrderArgs = {
  carrier?: InputMaybe<Scalars['String']['input']>;
  orderId: Scalars['ID']['input'];
  trackingNumber: Scalars['String']['input'];
};


export type MutationSuspendStoreArgs = {
  reason: Scalars['String']['input'];
  storeId: Scalars['ID']['input'];
};


export type MutationSuspendUserArgs = {
  reason: Scalars['String']['input'];
  userId: Scalars['ID']['input'];
};


export type MutationUnarchiveConversationArgs = {
  conversationId: Scalars['ID']['input'];
};


export type MutationUnarchiveProductArgs = {
  productId: Scalars['ID']['input'];
};


export type MutationUnfollowStoreArgs = {
  storeId: Scalars['ID']['input'];
};


export type MutationUnsubscribeArgs = {
  token: Scalars['String']['input'];
};


export type MutationUnwatchPriceArgs = {
  productId: Scalars['ID']['input'];
};


export type MutationUpdateCartLineArgs = {
  cartId?: InputMaybe<Scalars['ID']['input']>;
  lineId: Scalars['ID']['input'];
  quantity: Scalars['Int']['input'];
};


export type MutationUpdateNotificationSettingsArgs = {
  input: NotificationSettingsInput;
};


export type MutationUpdateProductArgs = {
  input: UpdateProductInput;
  productId: Scalars['ID']['input'];
};


export type MutationUpdateProfileArgs = {
  input: UpdateProfileInput;
};


export type MutationUpdateShippingAddressArgs = {
  id: Scalars['ID']['input'];
  input: ShippingAddressInput;
};


export type MutationUpdateStoreArgs = {
  input: UpdateStoreInput;
  storeId: Scalars['ID']['input'];
};


export type MutationUpdateVariantArgs = {
  input: UpdateVariantInput;
  variantId: Scalars['ID']['input'];
};


export type MutationVerifyEmailArgs = {
  code: Scalars['String']['input'];
};


export type MutationWatchPriceArgs = {
  productId: Scalars['ID']['input'];
};

/** Which notifications are emailed to the person (each email carries a link that turns its kind off). */
export type NotificationSettings = {
  __typename: 'NotificationSettings';
  /** A new message in a conversation. Default false. */
  emailMessages: Scalars['Boolean']['output'];
  /** Order shipped, cancelled or refunded. Default true. */
  emailOrderUpdates: Scalars['Boolean']['output'];
  /** A product the person watches got cheaper. Default true. */
  emailPriceDrops: Scalars['Boolean']['output'];
};

/** Every field optional: only the fields given change. */
export type NotificationSettingsInput = {
  emailMessages?: InputMaybe<Scalars['Boolean']['input']>;
  emailOrderUpdates?: InputMaybe<Scalars['Boolean']['input']>;
  emailPriceDrops?: InputMaybe<Scalars['Boolean']['input']>;
};

export type OpenStoreInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
};

export type Order = {
  __typename: 'Order';
  /** The conversation with the seller about this order, if any. */
  conversation: Maybe<Conversation>;
  /** Codes of the coupons applied to this order. */
  couponCodes: Array<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  deliveryDeadline: Maybe<Scalars['DateTime']['output']>;
  discount: Money;
  dispute: Maybe<Dispute>;
  /** Placed + the store's handling days + the shipping option's minDays (from) / maxDays (to); null for orders from before estimates. */
  estimatedDeliveryFrom: Maybe<Scalars['DateTime']['output']>;
  estimatedDeliveryTo: Maybe<Scalars['DateTime']['output']>;
  feedback: Maybe<Feedback>;
  feedbackDeadline: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  lines: Array<OrderLine>;
  /** Human-facing order number, unique. */
  number: Scalars['String']['output'];
  paymentDeadline: Maybe<Scalars['DateTime']['output']>;
  /** The sum of refunds; never more than total. The order is REFUNDED when it equals total. */
  refundedAmount: Money;
  /** Refunds of this order, oldest first (a cancellation's, each dispute settlement's). */
  refunds: Array<Refund>;
  shipByDeadline: Maybe<Scalars['DateTime']['output']>;
  /** The shipment once the order is shipped (tracking number, carrier, the carrier's events); null before. */
  shipment: Maybe<Shipment>;
  shippingAddress: OrderAddress;
  shippingCost: Money;
  shippingMethod: ShippingMethod;
  status: OrderStatus;
  /** Oldest first; the first entry is PAYMENT_REQUIRED at creation. */
  statusHistory: Array<OrderStatusChange>;
  store: Store;
  subtotal: Money;
  total: Money;
  trackingNumber: Maybe<Scalars['String']['output']>;
};

export type OrderAddress = {
  __typename: 'OrderAddress';
  city: Scalars['String']['output'];
  country: Scalars['String']['output'];
  phone: Scalars['String']['output'];
  postalCode: Scalars['String']['output'];
  province: Maybe<Scalars['String']['output']>;
  recipientName: Scalars['String']['output'];
  street: Scalars['String']['output'];
};

export type OrderConnection = {
  __typename: 'OrderConnection';
  edges: Array<OrderEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

/** The Remainders panel of My AliExpress. */
export type OrderCounts = {
  __typename: 'OrderCounts';
  all: Scalars['Int']['output'];
  disputed: Scalars['Int']['output'];
  feedbackRequired: Scalars['Int']['output'];
  paymentRequired: Scalars['Int']['output'];
  shipmentRequired: Scalars['Int']['output'];
  unconfirmedDelivery: Scalars['Int']['output'];
};

export type OrderEdge = {
  __typename: 'OrderEdge';
  cursor: Scalars['String']['output'];
  node: Order;
};

export type OrderLine = {
  __typename: 'OrderLine';
  id: Scalars['ID']['output'];
  options: Array<VariantOption>;
  product: Product;
  quantity: Scalars['Int']['output'];
  subtotal: Money;
  /** Snapshot at checkout: later catalog edits do not change a placed order. */
  title: Scalars['String']['output'];
  unitPrice: Money;
  variant: ProductVariant;
};

export type OrderPayload = {
  __typename: 'OrderPayload';
  order: Maybe<Order>;
  userErrors: Array<UserError>;
};

/** How the viewer takes part in an order. */
export type OrderRole =
  | 'BUYER'
  | 'SELLER';

export type OrderStatus =
  | 'CANCELLED'
  | 'COMPLETED'
  | 'DISPUTED'
  | 'FEEDBACK_REQUIRED'
  | 'PAYMENT_REQUIRED'
  | 'REFUNDED'
  | 'SHIPMENT_REQUIRED'
  | 'UNCONFIRMED_DELIVERY';

export type OrderStatusChange = {
  __typename: 'OrderStatusChange';
  at: Scalars['DateTime']['output'];
  reason: Maybe<Scalars['String']['output']>;
  status: OrderStatus;
};

export type OrderStatusCount = {
  __typename: 'OrderStatusCount';
  count: Scalars['Int']['output'];
  status: OrderStatus;
};

export type OrderStatusEvent = {
  __typename: 'OrderStatusEvent';
  at: Scalars['DateTime']['output'];
  /** Opaque, increasing per subscriber; pass it back as `after` to resume. */
  cursor: Scalars['String']['output'];
  order: Order;
  previousStatus: Maybe<OrderStatus>;
  status: OrderStatus;
  /** Set when this event is a tracking event of the order's shipment (then status and previousStatus are its unchanged status). */
  trackingEvent: Maybe<TrackingEvent>;
  /** Whether you are this order's BUYER or its SELLER (the same change reaches both): each subscriber gets its own answer. */
  viewerRole: OrderRole;
};

export type PageInfo = {
  __typename: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type Payment = {
  __typename: 'Payment';
  amount: Money;
  id: Scalars['ID']['output'];
  method: PaymentMethod;
  /** REQUIRES_ACTION: where the buyer completes the payment (the provider's page); null otherwise. */
  nextActionUrl: Maybe<Scalars['String']['output']>;
  status: PaymentStatus;
};

export type PaymentInput = {
  method: PaymentMethod;
  /** One of the viewer's savedPaymentMethods, instead of a token. */
  savedPaymentMethodId?: InputMaybe<Scalars['ID']['input']>;
  /** Token from the payment provider; the built-in test provider accepts tok_visa and declines tok_chargeDeclined. Give a token or savedPaymentMethodId, not both. */
  token?: InputMaybe<Scalars['String']['input']>;
};

export type PaymentMethod =
  | 'CARD'
  | 'LOCAL'
  | 'PAYPAL';

export type PaymentPayload = {
  __typename: 'PaymentPayload';
  orders: Array<Order>;
  payment: Maybe<Payment>;
  userErrors: Array<UserError>;
};

export type PaymentStatus =
  | 'DECLINED'
  /** The buyer must complete the payment at nextActionUrl (3-D Secure); the orders stay PAYMENT_REQUIRED until the provider confirms. */
  | 'REQUIRES_ACTION'
  | 'SUCCEEDED';

export type PriceRange = {
  __typename: 'PriceRange';
  max: Money;
  min: Money;
};

export type PriceWatch = {
  __typename: 'PriceWatch';
  createdAt: Scalars['DateTime']['output'];
  product: Product;
};

export type PriceWatchPayload = {
  __typename: 'PriceWatchPayload';
  product: Maybe<Product>;
  userErrors: Array<UserError>;
};

export type Product = {
  __typename: 'Product';
  /**
   * Archived by the seller: out of search and store pages, cannot be added to a cart or
   * bought. Its page stays reachable by id (orders, carts and Wish Lists link to it).
   */
  archived: Scalars['Boolean']['output'];
  category: Category;
  createdAt: Scalars['DateTime']['output'];
  description: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  images: Array<Scalars['String']['output']>;
  priceRange: PriceRange;
  /** Average productRating of the feedback on orders that contain this product; null before any. */
  rating: Maybe<Scalars['Float']['output']>;
  /** One review per order that contains this product and has feedback. */
  reviewCount: Scalars['Int']['output'];
  /** Newest first; a review is the order's feedback (productRating, comment). */
  reviews: ReviewConnection;
  store: Store;
  title: Scalars['String']['output'];
  /** The variants on offer (removed ones are left out). */
  variants: Array<ProductVariant>;
  /** True when the viewer watches this product's price. */
  watched: Scalars['Boolean']['output'];
};


export type ProductReviewsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type ProductConnection = {
  __typename: 'ProductConnection';
  edges: Array<ProductEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ProductEdge = {
  __typename: 'ProductEdge';
  cursor: Scalars['String']['output'];
  node: Product;
};

export type ProductPayload = {
  __typename: 'ProductPayload';
  product: Maybe<Product>;
  userErrors: Array<UserError>;
};

export type ProductSort =
  | 'NEWEST'
  | 'PRICE_ASC'
  | 'PRICE_DESC'
  | 'RELEVANCE';

export type ProductVariant = {
  __typename: 'ProductVariant';
  id: Scalars['ID']['output'];
  /** E.g. [{name: "Color", value: "Red"}, {name: "Size", value: "XL"}] */
  options: Array<VariantOption>;
  price: Money;
  product: Product;
  sku: Scalars['String']['output'];
  /** Units that can still be bought (stock less units reserved by unpaid orders). */
  stock: Scalars['Int']['output'];
};

export type Query = {
  __typename: 'Query';
  /** Admins only: every admin action, newest first. */
  auditLog: AuditEntryConnection;
  /** Coupons that can be claimed now; storeId narrows to that store's seller coupons. */
  availableCoupons: Array<Coupon>;
  /** A guest cart, by the id that createGuestCart returned. */
  cart: Maybe<Cart>;
  categories: Array<Category>;
  conversation: Maybe<Conversation>;
  /** Admin only: disputes by status (ESCALATED: waiting for arbitration), oldest opened first. */
  disputes: DisputeConnection;
  order: Maybe<Order>;
  product: Maybe<Product>;
  /** Admins only: conversation reports, oldest first (the moderation queue); status narrows. */
  reports: ConversationReportConnection;
  /** English full-text search over title and description; every argument optional. */
  searchProducts: ProductConnection;
  /** The account's security question; for an email without an account, a decoy question (always the same one for that email). */
  securityQuestion: Maybe<Scalars['String']['output']>;
  store: Maybe<Store>;
  /** The signed-in person; null without a valid access token. */
  viewer: Maybe<User>;
};


export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryAvailableCouponsArgs = {
  storeId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryCartArgs = {
  id: Scalars['ID']['input'];
};


export type QueryConversationArgs = {
  id: Scalars['ID']['input'];
};


export type QueryDisputesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<DisputeStatus>;
};


export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


export type QueryProductArgs = {
  id: Scalars['ID']['input'];
};


export type QueryReportsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<ReportStatus>;
};


export type QuerySearchProductsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  categoryId?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  maxPrice?: InputMaybe<Scalars['String']['input']>;
  minPrice?: InputMaybe<Scalars['String']['input']>;
  query?: InputMaybe<Scalars['String']['input']>;
  sort?: InputMaybe<ProductSort>;
  storeId?: InputMaybe<Scalars['ID']['input']>;
};


export type QuerySecurityQuestionArgs = {
  email: Scalars['String']['input'];
};


export type QueryStoreArgs = {
  id: Scalars['ID']['input'];
};

export type Refund = {
  __typename: 'Refund';
  amount: Money;
  at: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  reason: Scalars['String']['output'];
  /** The payment provider confirmed it (a refund is owed until then, and retried). */
  settled: Scalars['Boolean']['output'];
};

export type RegisterInput = {
  email: Scalars['String']['input'];
  fullName: Scalars['String']['input'];
  password: Scalars['String']['input'];
};

/** What an admin does with a report (docs/admin.md). */
export type ReportAction =
  /** Nothing more. */
  | 'DISMISS'
  /** Suspends the reported store (only when a buyer reported a store). */
  | 'SUSPEND_STORE'
  /** Suspends the reported person (the store's owner when a buyer reported; the buyer when the store's owner did). */
  | 'SUSPEND_USER'
  /** A SYSTEM message to the reported party in the reported conversation. */
  | 'WARN';

export type ReportStatus =
  | 'OPEN'
  | 'RESOLVED';

export type ResolveReportPayload = {
  __typename: 'ResolveReportPayload';
  report: Maybe<ConversationReport>;
  userErrors: Array<UserError>;
};

export type Review = {
  __typename: 'Review';
  authorName: Scalars['String']['output'];
  comment: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** The order's lines of this product with their ratings (a line not rated on its own takes productRating). */
  lineRatings: Array<LineRating>;
  /** The rating of this product in that order: its first rated line's rating, else the order's productRating. */
  rating: Scalars['Int']['output'];
  /** The seller's reply to the feedback. */
  reply: Maybe<FeedbackReply>;
};

export type ReviewConnection = {
  __typename: 'ReviewConnection';
  edges: Array<ReviewEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ReviewEdge = {
  __typename: 'ReviewEdge';
  cursor: Scalars['String']['output'];
  node: Review;
};

export type SavedPaymentMethod = {
  __typename: 'SavedPaymentMethod';
  /** e.g. visa, mastercard, paypal. */
  brand: Maybe<Scalars['String']['output']>;
  expMonth: Maybe<Scalars['Int']['output']>;
  expYear: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  isDefault: Scalars['Boolean']['output'];
  /** Cards only. */
  last4: Maybe<Scalars['String']['output']>;
  method: PaymentMethod;
};

export type SavedPaymentMethodPayload = {
  __typename: 'SavedPaymentMethodPayload';
  savedPaymentMethod: Maybe<SavedPaymentMethod>;
  user: Maybe<User>;
  userErrors: Array<UserError>;
};

export type SecurityLevel =
  | 'HIGH'
  | 'LOW'
  | 'MEDIUM';

/** Either conversationId (reply), or storeId (a buyer starts or continues a conversation with that store, optionally about orderId). */
export type SendMessageInput = {
  attachments?: InputMaybe<Array<AttachmentInput>>;
  body: Scalars['String']['input'];
  conversationId?: InputMaybe<Scalars['ID']['input']>;
  orderId?: InputMaybe<Scalars['ID']['input']>;
  storeId?: InputMaybe<Scalars['ID']['input']>;
};

export type SendMessagePayload = {
  __typename: 'SendMessagePayload';
  message: Maybe<Message>;
  userErrors: Array<UserError>;
};

export type SenderRole =
  | 'BUYER'
  | 'SELLER'
  | 'SYSTEM';

export type Shipment = {
  __typename: 'Shipment';
  carrier: Maybe<Scalars['String']['output']>;
  /** When the first DELIVERED event says it was delivered; null before. */
  deliveredAt: Maybe<Scalars['DateTime']['output']>;
  /** The carrier's events, oldest first. */
  events: Array<TrackingEvent>;
  trackingNumber: Scalars['String']['output'];
};

export type ShippingAddress = {
  __typename: 'ShippingAddress';
  city: Scalars['String']['output'];
  country: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  isDefault: Scalars['Boolean']['output'];
  phone: Scalars['String']['output'];
  postalCode: Scalars['String']['output'];
  province: Maybe<Scalars['String']['output']>;
  recipientName: Scalars['String']['output'];
  street: Scalars['String']['output'];
};

export type ShippingAddressInput = {
  city: Scalars['String']['input'];
  country: Scalars['String']['input'];
  isDefault?: InputMaybe<Scalars['Boolean']['input']>;
  phone: Scalars['String']['input'];
  postalCode: Scalars['String']['input'];
  province?: InputMaybe<Scalars['String']['input']>;
  recipientName: Scalars['String']['input'];
  street: Scalars['String']['input'];
};

export type ShippingAddressPayload = {
  __typename: 'ShippingAddressPayload';
  address: Maybe<ShippingAddress>;
  user: Maybe<User>;
  userErrors: Array<UserError>;
};

export type ShippingMethod =
  | 'EXPRESS'
  | 'STANDARD';

/** One way a store ships to a country: checkout charges its cost; delivery takes minDays–maxDays after the handling time. */
export type ShippingOption = {
  __typename: 'ShippingOption';
  cost: Money;
  /** ISO 3166-1 alpha-2; null: every country that no other option of this method names. */
  country: Maybe<Scalars['String']['output']>;
  maxDays: Scalars['Int']['output'];
  method: ShippingMethod;
  minDays: Scalars['Int']['output'];
};

export type ShippingOptionInput = {
  /** Decimal string, e.g. "4.99"; "0" ships free. */
  cost: Scalars['String']['input'];
  /** ISO 3166-1 alpha-2 such as "US"; null or omitted: everywhere else. */
  country?: InputMaybe<Scalars['String']['input']>;
  maxDays: Scalars['Int']['input'];
  method: ShippingMethod;
  /** Days in transit, 0–90, minDays ≤ maxDays. */
  minDays: Scalars['Int']['input'];
};

export type Store = {
  __typename: 'Store';
  /** Owner only: the archived products, newest first (to put them on sale again). */
  archivedProducts: ProductConnection;
  /** Seller only: buyers' conversations with this store. */
  conversations: ConversationConnection;
  /** Seller coupons of this store that can be claimed now. */
  coupons: Array<Coupon>;
  description: Maybe<Scalars['String']['output']>;
  followerCount: Scalars['Int']['output'];
  /** Days the store takes to ship after payment (the ship-by time); the platform's default until the owner sets it. */
  handlingDays: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  /** The store's logo, an http(s) URL; null when none. */
  logoUrl: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  /** Seller only: the store's Remainders panel (its orders counted per status, as the buyer's). */
  orderCounts: OrderCounts;
  /** Seller only (the store's owner): the store's orders. */
  orders: OrderConnection;
  /** The products on sale (archived ones are left out), newest first. */
  products: ProductConnection;
  /** Average productRating of the feedback on this store's orders; null before any. */
  rating: Maybe<Scalars['Float']['output']>;
  /** How the store ships, and at what cost; the defaults (STANDARD free, EXPRESS at the platform fee, everywhere) until the owner sets options. */
  shippingOptions: Array<ShippingOption>;
  /** Seller only: the store's dashboard (followers come from catalog, hence the @requires). */
  stats: StoreStats;
  /** Suspended by the marketplace: out of search, nothing of it can be bought (its placed orders go on). */
  suspended: Scalars['Boolean']['output'];
};


export type StoreArchivedProductsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type StoreConversationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  archived?: InputMaybe<Scalars['Boolean']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type StoreOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<OrderStatus>;
};


export type StoreProductsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type StoreListPayload = {
  __typename: 'StoreListPayload';
  store: Maybe<Store>;
  userErrors: Array<UserError>;
};

export type StorePayload = {
  __typename: 'StorePayload';
  store: Maybe<Store>;
  userErrors: Array<UserError>;
};

export type StoreShippingInput = {
  method: ShippingMethod;
  storeId: Scalars['ID']['input'];
};

/** A seller's dashboard. */
export type StoreStats = {
  __typename: 'StoreStats';
  /** Store.rating: the average productRating of the store's feedback; null before any. */
  averageRating: Maybe<Scalars['Float']['output']>;
  /** Store.followerCount. */
  followers: Scalars['Int']['output'];
  /** Every status, with how many of the store's orders are in it (0 included). */
  ordersByStatus: Array<OrderStatusCount>;
  /** What buyers paid (order totals) for orders paid and not cancelled or refunded: SHIPMENT_REQUIRED, UNCONFIRMED_DELIVERY, FEEDBACK_REQUIRED, COMPLETED, DISPUTED. */
  revenue: Money;
};

export type Subscription = {
  __typename: 'Subscription';
  /** New messages for the viewer (seller, order-update and promotion messages alike); conversationId narrows to one. With after, replays since that cursor first, like orderStatusChanged. */
  messageAdded: Message;
  /** The viewer's orders' status changes and tracking events (as buyer, and as seller of its stores); orderId narrows to one. With after, first replays every change since that cursor, then goes live, with no gap and no duplicate. */
  orderStatusChanged: OrderStatusEvent;
};


export type SubscriptionMessageAddedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  conversationId?: InputMaybe<Scalars['ID']['input']>;
};


export type SubscriptionOrderStatusChangedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  orderId?: InputMaybe<Scalars['ID']['input']>;
};

export type TrackingEvent = {
  __typename: 'TrackingEvent';
  at: Scalars['DateTime']['output'];
  description: Maybe<Scalars['String']['output']>;
  location: Maybe<Scalars['String']['output']>;
  status: TrackingStatus;
};

export type TrackingEventInput = {
  /** When it happened; omitted: now. Not in the future, not before the order was shipped. */
  at?: InputMaybe<Scalars['DateTime']['input']>;
  /** At most 500 characters. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** At most 200 characters. */
  location?: InputMaybe<Scalars['String']['input']>;
  status: TrackingStatus;
};

export type TrackingStatus =
  | 'DELIVERED'
  | 'EXCEPTION'
  | 'IN_TRANSIT'
  | 'OUT_FOR_DELIVERY';

export type Transaction = {
  __typename: 'Transaction';
  amount: Money;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  kind: TransactionKind;
  method: PaymentMethod;
  /** The orders it paid, or that it refunds. */
  orders: Array<Order>;
  status: TransactionStatus;
};

export type TransactionConnection = {
  __typename: 'TransactionConnection';
  edges: Array<TransactionEdge>;
  pageInfo: PageInfo;
};

export type TransactionEdge = {
  __typename: 'TransactionEdge';
  cursor: Scalars['String']['output'];
  node: Transaction;
};

export type TransactionKind =
  | 'PAYMENT'
  | 'REFUND';

export type TransactionStatus =
  | 'DECLINED'
  /** A payment in progress, or a refund not yet confirmed by the provider. */
  | 'PENDING'
  | 'REQUIRES_ACTION'
  | 'SUCCEEDED';

export type UnsubscribePayload = {
  __typename: 'UnsubscribePayload';
  /** Which setting was turned off: emailOrderUpdates, emailPriceDrops or emailMessages. */
  setting: Maybe<Scalars['String']['output']>;
  userErrors: Array<UserError>;
};

/** Omitted or null fields stay unchanged. */
export type UpdateProductInput = {
  categoryId?: InputMaybe<Scalars['ID']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  /** Replaces the list (at most 10 http(s) URLs). */
  images?: InputMaybe<Array<Scalars['String']['input']>>;
  title?: InputMaybe<Scalars['String']['input']>;
};

/** Every field optional: only the fields given change; an explicit null clears an optional field. */
export type UpdateProfileInput = {
  contactAddress?: InputMaybe<Scalars['String']['input']>;
  fax?: InputMaybe<Scalars['String']['input']>;
  fullName?: InputMaybe<Scalars['String']['input']>;
  gender?: InputMaybe<Gender>;
  organization?: InputMaybe<Scalars['String']['input']>;
  phone?: InputMaybe<Scalars['String']['input']>;
  photoUrl?: InputMaybe<Scalars['String']['input']>;
  zip?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateStoreInput = {
  /** Omitted: unchanged; null or blank: removed. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** An http(s) URL; omitted: unchanged; null or blank: removed. */
  logoUrl?: InputMaybe<Scalars['String']['input']>;
  /** Same rules as openStore (unique by how it looks); omitted or null: unchanged. */
  name?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateVariantInput = {
  price?: InputMaybe<Scalars['String']['input']>;
  stock?: InputMaybe<Scalars['Int']['input']>;
};

/** The signed-in person. Only ever reachable as the viewer: no query returns another person's User. */
export type User = {
  __typename: 'User';
  /** The signed-in person's cart (created on first use). */
  cart: Cart;
  contactAddress: Maybe<Scalars['String']['output']>;
  /** Message Center, most recently active first. */
  conversations: ConversationConnection;
  /** My Coupons. */
  coupons: Array<UserCoupon>;
  createdAt: Scalars['DateTime']['output'];
  email: Scalars['String']['output'];
  /** Whether the person proved they receive mail at `email` (verifyEmail, or a password reset by email). Changing the email makes it false. */
  emailVerified: Scalars['Boolean']['output'];
  fax: Maybe<Scalars['String']['output']>;
  /** How many orders this user has left feedback on as a buyer (that user only). */
  feedbackCount: Scalars['Int']['output'];
  /** Manage Feedback: the feedback this user left as a buyer, newest first (that user only). */
  feedbackGiven: FeedbackConnection;
  fullName: Scalars['String']['output'];
  gender: Maybe<Gender>;
  hasSecurityQuestion: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  /** Which notifications are emailed. */
  notificationSettings: NotificationSettings;
  /** The Remainders panel. */
  orderCounts: OrderCounts;
  /** My Orders, newest first; status filters. */
  orders: OrderConnection;
  organization: Maybe<Scalars['String']['output']>;
  phone: Maybe<Scalars['String']['output']>;
  photoUrl: Maybe<Scalars['String']['output']>;
  /** AliExpress-Alert style price watches. */
  priceWatches: Array<PriceWatch>;
  /** Payment methods kept with the provider for this person: the default first. Only the provider's reference and what is shown here are stored, never a card number. */
  savedPaymentMethods: Array<SavedPaymentMethod>;
  /** LOW: a password only; MEDIUM: a verified email or a security question; HIGH: both (docs/users.md). */
  securityLevel: SecurityLevel;
  /** At most five. */
  shippingAddresses: Array<ShippingAddress>;
  /** Store List: followed stores. */
  storeList: Array<Store>;
  /** Stores this person sells through. */
  stores: Array<Store>;
  /** Payments and refunds, newest first. */
  transactions: TransactionConnection;
  unreadMessageCount: Scalars['Int']['output'];
  /** Wish List: saved products, newest first. */
  wishList: ProductConnection;
  zip: Maybe<Scalars['String']['output']>;
};


/** The signed-in person. Only ever reachable as the viewer: no query returns another person's User. */
export type UserConversationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  archived?: InputMaybe<Scalars['Boolean']['input']>;
  category?: InputMaybe<ConversationCategory>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** The signed-in person. Only ever reachable as the viewer: no query returns another person's User. */
export type UserCouponsArgs = {
  status?: InputMaybe<CouponStatus>;
};


/** The signed-in person. Only ever reachable as the viewer: no query returns another person's User. */
export type UserFeedbackGivenArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** The signed-in person. Only ever reachable as the viewer: no query returns another person's User. */
export type UserOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<OrderStatus>;
};


/** The signed-in person. Only ever reachable as the viewer: no query returns another person's User. */
export type UserTransactionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** The signed-in person. Only ever reachable as the viewer: no query returns another person's User. */
export type UserWishListArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type UserCoupon = {
  __typename: 'UserCoupon';
  claimedAt: Scalars['DateTime']['output'];
  coupon: Coupon;
  order: Maybe<Order>;
  status: CouponStatus;
  usedAt: Maybe<Scalars['DateTime']['output']>;
};

/** A business-rule or validation failure that the client should show to the person. */
export type UserError = {
  __typename: 'UserError';
  /** Stable machine-readable code, e.g. EMAIL_TAKEN, ADDRESS_LIMIT_REACHED, OUT_OF_STOCK. */
  code: Scalars['String']['output'];
  /** Path to the offending input field, e.g. ["input", "email"]; null when not about one field. */
  field: Maybe<Array<Scalars['String']['output']>>;
  message: Scalars['String']['output'];
};

/** An account's suspension changed (the account itself is private: only its id). */
export type UserModerationPayload = {
  __typename: 'UserModerationPayload';
  /** Whether the account is now suspended. */
  suspended: Scalars['Boolean']['output'];
  userErrors: Array<UserError>;
  userId: Maybe<Scalars['ID']['output']>;
};

export type UserPayload = {
  __typename: 'UserPayload';
  user: Maybe<User>;
  userErrors: Array<UserError>;
};

export type VariantInput = {
  options: Array<VariantOptionInput>;
  /** Decimal string, e.g. "19.99". */
  price: Scalars['String']['input'];
  sku: Scalars['String']['input'];
  stock: Scalars['Int']['input'];
};

export type VariantOption = {
  __typename: 'VariantOption';
  name: Scalars['String']['output'];
  value: Scalars['String']['output'];
};

export type VariantOptionInput = {
  name: Scalars['String']['input'];
  value: Scalars['String']['input'];
};

export type WishListPayload = {
  __typename: 'WishListPayload';
  product: Maybe<Product>;
  userErrors: Array<UserError>;
};

export type SearchProductsQueryVariables = Exact<{
  query?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type SearchProductsQuery = { __typename: 'Query', searchProducts: { __typename: 'ProductConnection', totalCount: number, edges: Array<{ __typename: 'ProductEdge', cursor: string, node: { __typename: 'Product', id: string, title: string, store: { __typename: 'Store', id: string, name: string } } }>, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } };

export type MyCartQueryVariables = Exact<{ [key: string]: never; }>;


export type MyCartQuery = { __typename: 'Query', viewer: { __typename: 'User', id: string, cart: { __typename: 'Cart', id: string, totalQuantity: number, subtotal: { __typename: 'Money', amount: string, currencyCode: string } }, orderCounts: { __typename: 'OrderCounts', all: number, paymentRequired: number, shipmentRequired: number } } | null };

export type OrderStatusChangedSubscriptionVariables = Exact<{
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type OrderStatusChangedSubscription = { __typename: 'Subscription', orderStatusChanged: { __typename: 'OrderStatusEvent', cursor: string, at: string, previousStatus: OrderStatus | null, status: OrderStatus, order: { __typename: 'Order', id: string } } };

export type MessageAddedSubscriptionVariables = Exact<{
  conversationId?: InputMaybe<Scalars['ID']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type MessageAddedSubscription = { __typename: 'Subscription', messageAdded: { __typename: 'Message', cursor: string, id: string, body: string, createdAt: string, conversation: { __typename: 'Conversation', id: string } } };
