/** The payment provider in use: PAYMENT_PROVIDER=test (default, built in) or stripe. */
import type { SubgraphDeps } from '../../../platform/subgraph.ts';
import type { PaymentProvider } from './provider.ts';
import { StripePaymentProvider } from './stripe.ts';
import { TestPaymentProvider } from './test-provider.ts';

export function createProvider(deps: SubgraphDeps): PaymentProvider {
  const p = deps.config.payments;
  if (p.provider === 'stripe') {
    return new StripePaymentProvider(deps.db.drizzle, {
      secretKey: p.stripeSecretKey!,
      webhookSecret: p.stripeWebhookSecret!,
      apiBase: p.stripeApiBase,
      returnUrl: p.stripeReturnUrl,
    });
  }
  return new TestPaymentProvider(deps.db.drizzle);
}
