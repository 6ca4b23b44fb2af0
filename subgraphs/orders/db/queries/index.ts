/**
 * Every SQL statement of the orders subgraph, by area. Functions take an
 * executor (the database or a transaction) and plain values; they return
 * plain objects.
 */
export * from './rows.ts';
export * from './orders.ts';
export * from './checkout.ts';
export * from './transitions.ts';
export * from './payments.ts';
export * from './provider.ts';
export * from './compensation.ts';
export * from './tracking.ts';
export * from './refunds.ts';
export * from './disputes.ts';
export * from './feedback.ts';
export * from './methods.ts';
export * from './transactions.ts';
export * from './events.ts';
