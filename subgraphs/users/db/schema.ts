/** The users subgraph's tables, all in the PostgreSQL schema "users". */
import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, pgSchema, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdNow, generatedId, postalAddress, textList, timestamptz } from '../../../platform/columns.ts';

export const usersSchema = pgSchema('users');

/** The person a row belongs to. */
const userRef = () =>
  uuid('user_id')
    .notNull()
    .references(() => users.id);

export const users = usersSchema.table(
  'users',
  {
    id: generatedId(),
    /** Stored trimmed and lower-cased: emails are case-insensitive. */
    email: text('email').notNull(),
    fullName: text('full_name').notNull(),
    gender: text('gender'),
    photoUrl: text('photo_url'),
    phone: text('phone'),
    fax: text('fax'),
    zip: text('zip'),
    contactAddress: text('contact_address'),
    organization: text('organization'),
    passwordHash: text('password_hash').notNull(),
    /** 0–6, computed when the password is set (length and character classes). */
    passwordStrength: integer('password_strength').notNull().default(0),
    /** The person proved they receive mail at `email` (a code sent there); false again when the email changes. */
    emailVerified: boolean('email_verified').notNull().default(false),
    /** Notification emails (docs/users.md, "Email"). */
    emailOrderUpdates: boolean('email_order_updates').notNull().default(true),
    emailPriceDrops: boolean('email_price_drops').notNull().default(true),
    emailMessages: boolean('email_messages').notNull().default(false),
    securityQuestion: text('security_question'),
    securityAnswerHash: text('security_answer_hash'),
    roles: textList('roles'),
    createdAt: createdNow(),
    deactivatedAt: timestamptz('deactivated_at'),
    deactivationReason: text('deactivation_reason'),
    /** Set while an admin has suspended the account (sign-in refused, sessions revoked); cleared on reinstatement. */
    suspendedAt: timestamptz('suspended_at'),
    suspensionReason: text('suspension_reason'),
  },
  (t) => [
    // Unique among active accounts only: a deactivated account frees its email.
    uniqueIndex('users_active_email_key')
      .on(sql`lower(${t.email})`)
      .where(sql`${t.deactivatedAt} is null`),
  ],
);

export const sessions = usersSchema.table(
  'sessions',
  {
    /** The access token's `sid`. */
    id: generatedId(),
    userId: userRef(),
    /** sha256 (hex) of the current refresh token; rotated on every refresh. */
    refreshTokenHash: text('refresh_token_hash').notNull(),
    expiresAt: timestamptz('expires_at').notNull(),
    revokedAt: timestamptz('revoked_at'),
    createdAt: createdNow(),
  },
  (t) => [uniqueIndex('sessions_refresh_token_hash_key').on(t.refreshTokenHash), index('sessions_user_id_idx').on(t.userId)],
);

/** Refresh tokens already rotated away: presenting one again is a reuse (theft) signal. */
export const usedRefreshTokens = usersSchema.table('used_refresh_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  sessionId: uuid('session_id')
    .notNull()
    .references(() => sessions.id),
  usedAt: timestamptz('used_at').notNull(),
});

export const shippingAddresses = usersSchema.table(
  'shipping_addresses',
  {
    id: generatedId(),
    userId: userRef(),
    ...postalAddress(),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: createdNow(),
  },
  (t) => [
    index('shipping_addresses_user_id_idx').on(t.userId, t.createdAt),
    // At most one default per person (the service keeps exactly one while any exist).
    uniqueIndex('shipping_addresses_one_default')
      .on(t.userId)
      .where(sql`${t.isDefault}`),
  ],
);

/**
 * Sign-in throttle counters per key ("account:<email>" or "ip:<address>"), in fixed windows:
 * every password check is reserved (`inFlight`) before it runs, and settles as a failure
 * (`failures`) or not; failures plus checks in flight never exceed the key's limit.
 */
export const loginFailures = usersSchema.table('login_failures', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  /** Checks reserved and still running (a check that never settles counts until the window ends). */
  inFlight: integer('in_flight').notNull().default(0),
  windowStartedAt: timestamptz('window_started_at').notNull(),
});

/**
 * One-time codes sent by email: a password reset or an email verification.
 * Only the code's SHA-256 is kept; a code is used at most once (a conditional
 * UPDATE sets `usedAt`), and a newer code of the same purpose replaces older ones.
 */
export const emailCodes = usersSchema.table(
  'email_codes',
  {
    id: generatedId(),
    userId: userRef(),
    /** 'reset' or 'verify'. */
    purpose: text('purpose').notNull(),
    /** The address it was sent to (a verification proves that one). */
    email: text('email').notNull(),
    codeHash: text('code_hash').notNull(),
    expiresAt: timestamptz('expires_at').notNull(),
    usedAt: timestamptz('used_at'),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [index('email_codes_user_purpose_idx').on(t.userId, t.purpose)],
);

/**
 * Emails to send (the mail job, service/mail.ts): written in the transaction
 * that decides to send them, sent after commit, retried with backoff until the
 * SMTP server takes them. `key` makes an email unique (a notification's event
 * and recipient), so an event handled twice cannot send twice.
 */
export const mailQueue = usersSchema.table(
  'mail_queue',
  {
    id: generatedId(),
    key: text('key').notNull(),
    toAddress: text('to_address').notNull(),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    htmlBody: text('html_body').notNull(),
    /** The unsubscribe link of a notification (List-Unsubscribe header), null for codes. */
    unsubscribeUrl: text('unsubscribe_url'),
    attempts: integer('attempts').notNull().default(0),
    /** When it is due; while a sender holds it, the end of that sender's lease. */
    nextAttemptAt: timestamptz('next_attempt_at').notNull(),
    lastError: text('last_error'),
    sentAt: timestamptz('sent_at'),
    createdAt: timestamptz('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('mail_queue_key_key').on(t.key),
    index('mail_queue_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.sentAt} is null`),
  ],
);

/**
 * The audit log: every admin action of every subgraph, projected from the
 * `admin.action` events (consumer `users.audit-log`, once per `actionId`).
 * Append-only: a trigger (migration 0003) refuses UPDATE, DELETE and TRUNCATE.
 */
export const auditLog = usersSchema.table(
  'audit_log',
  {
    /** The event's actionId. */
    id: uuid('id').primaryKey(),
    /** Order of recording: newest first in `auditLog`. */
    position: bigserial('position', { mode: 'number' }).notNull(),
    actorId: uuid('actor_id').notNull(),
    /** The admin's email when the entry was recorded (null when no account has that id). */
    actorEmail: text('actor_email'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    reason: text('reason'),
    /** When the action was done (in its own transaction). */
    at: timestamptz('at').notNull(),
    recordedAt: timestamptz('recorded_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('audit_log_position_key').on(t.position)],
);

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type AddressRow = typeof shippingAddresses.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type MailRow = typeof mailQueue.$inferSelect;
export type NewMail = Pick<typeof mailQueue.$inferInsert, 'key' | 'toAddress' | 'subject' | 'textBody' | 'htmlBody' | 'unsubscribeUrl'>;
