/**
 * A buyer's saved payment methods and Transactions page.
 *
 * Saving needs security level MEDIUM: the users subgraph answers the level
 * (internal `securityLevel`, its own computation). The provider keeps the
 * method (Stripe: attached to the buyer's customer); we keep only its
 * reference and what the buyer is shown. At most MAX_SAVED_METHODS per person;
 * one default (a partial unique index), changed under a per-person lock.
 */
import { z } from 'zod';
import type { Viewer } from '../../../platform/auth.ts';
import { badInput, fail, forbidden } from '../../../platform/errors.ts';
import { connection, type Connection } from '../../../platform/pagination.ts';
import { decodeCursor, encodeCursor, isId, pageSize } from '../../../platform/scalars.ts';
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';
import type { PaymentMethod, PaymentProvider } from '../payments/provider.ts';

const SaveInput = z.object({
  method: z.enum(['CARD', 'PAYPAL', 'LOCAL'], 'Unknown payment method.'),
  token: z.string().trim().min(1, 'A payment token is required.').max(200, 'A payment token is at most 200 characters.'),
});
const LEVELS_ALLOWED = ['MEDIUM', 'HIGH'];

export class PaymentMethods {
  constructor(
    private readonly deps: SubgraphDeps,
    private readonly provider: PaymentProvider,
  ) {}

  async save(viewer: Viewer, method: PaymentMethod, token: string, makeDefault: boolean): Promise<q.SavedMethodRow> {
    validInput(SaveInput, { method, token });
    const { level } = await this.deps.internal.call<{ level: string | null }>('users', 'securityLevel', { userId: viewer.id });
    if (!level || !LEVELS_ALLOWED.includes(level)) {
      fail('SECURITY_LEVEL_TOO_LOW', 'Saving a payment method needs security level MEDIUM: set a security question or verify your email to raise it.', null);
    }
    const db = this.deps.db.drizzle;
    if ((await q.savedMethodsOf(db, [viewer.id])).length >= q.MAX_SAVED_METHODS) this.full();
    const saved = await this.provider.saveMethod({ userId: viewer.id, method, token });
    if (!saved.ok) fail('INVALID_INPUT', saved.message, ['token']);
    const row = await db.transaction(async (tx) => {
      await q.lockUserMethods(tx, viewer.id);
      return q.insertSavedMethod(
        tx,
        {
          userId: viewer.id,
          method,
          providerRef: saved.reference,
          customerRef: saved.customerRef,
          brand: saved.brand,
          last4: saved.last4,
          expMonth: saved.expMonth,
          expYear: saved.expYear,
        },
        makeDefault,
      );
    });
    if (!row) {
      // a racing save took the last place: the provider forgets this one
      await this.provider.removeMethod(saved.reference).catch(() => {});
      this.full();
    }
    return row;
  }

  async remove(viewer: Viewer, id: string): Promise<{ __typename: 'User'; id: string }> {
    if (!isId(id)) fail('NOT_FOUND', 'No such saved payment method.', ['id']);
    const gone = await this.deps.db.drizzle.transaction(async (tx) => {
      await q.lockUserMethods(tx, viewer.id);
      return q.deleteSavedMethod(tx, viewer.id, id);
    });
    if (!gone) fail('NOT_FOUND', 'No such saved payment method.', ['id']);
    await this.provider.removeMethod(gone.providerRef).catch((err) => this.deps.log.warn('the provider did not forget a removed method', { id, err }));
    return { __typename: 'User', id: viewer.id };
  }

  /** User.transactions: the viewer's own payments and refunds, newest first. */
  async transactions(viewer: Viewer, userId: string, args: { first?: number | null; after?: string | null }): Promise<Connection<q.TransactionRow>> {
    if (viewer.id !== userId) throw forbidden('You can only see your own transactions.');
    const limit = pageSize(args.first);
    const before = parseCursor(args.after);
    const rows = limit === 0 ? [] : await q.transactionPage(this.deps.db.drizzle, userId, { before, limit: limit + 1 });
    return connection(rows, limit, (r) => encodeCursor([r.createdAt.toISOString(), r.id]));
  }

  private full(): never {
    fail('LIMIT_REACHED', `You can keep at most ${q.MAX_SAVED_METHODS} payment methods; remove one first.`, null);
  }
}

function parseCursor(after: string | null | undefined): { createdAt: string; id: string } | null {
  const v = decodeCursor<unknown>(after);
  if (v === null) return null;
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string' || v[1].length > 100 || Number.isNaN(Date.parse(v[0]))) {
    throw badInput('The cursor is not valid.');
  }
  return { createdAt: v[0], id: v[1] };
}
