/** What pays for payOrders: a one-time provider token, or one of the viewer's saved methods. */
import type { Viewer } from '../../../platform/auth.ts';
import type { Executor } from '../../../platform/db.ts';
import { z } from 'zod';
import { fail } from '../../../platform/errors.ts';
import { isId } from '../../../platform/scalars.ts';
import { validInput } from '../../../platform/validate.ts';
import * as q from '../db/queries/index.ts';
import type { PaymentMethod } from '../payments/provider.ts';

export interface PaymentInput {
  method: PaymentMethod;
  token?: string | null;
  savedPaymentMethodId?: string | null;
}

export interface PaymentSource {
  /** The token, or the saved method's provider reference. */
  token: string;
  customerRef: string | null;
  savedMethodId: string | null;
}

const Source = z
  .object({
    token: z.string().min(1, 'A payment token is required.').max(200, 'A payment token is at most 200 characters.').nullish(),
    savedPaymentMethodId: z.string().nullish(),
  })
  .refine((p) => (p.token == null) !== (p.savedPaymentMethodId == null), 'Give a payment token or a saved payment method, not both.');

export async function paymentSource(db: Executor, viewer: Viewer, payment: PaymentInput): Promise<PaymentSource> {
  const { token, savedPaymentMethodId: savedId } = validInput(Source, payment, { field: ['payment'] });
  if (savedId != null) {
    const saved = isId(savedId) ? await q.savedMethod(db, viewer.id, savedId) : null;
    if (!saved) fail('NOT_FOUND', 'No such saved payment method.', ['payment', 'savedPaymentMethodId']);
    if (saved.method !== payment.method) fail('INVALID_INPUT', `The saved payment method is a ${saved.method} method.`, ['payment', 'method']);
    return { token: saved.providerRef, customerRef: saved.customerRef, savedMethodId: saved.id };
  }
  return { token: token!, customerRef: null, savedMethodId: null };
}
