/** Shipping addresses: at most MAX_ADDRESSES per person, exactly one default while there are any. */
import type { z } from 'zod';
import type { Viewer } from '../../../platform/auth.ts';
import { fail } from '../../../platform/errors.ts';
import { isId } from '../../../platform/scalars.ts';
import * as q from '../db/queries.ts';
import type { AddressRow, UserRow } from '../db/schema.ts';
import { lockViewer, type Deps } from './common.ts';
import { validInput } from '../../../platform/validate.ts';
import { AddressInput as Address } from './inputs.ts';

/** A shipping address as the client sends it; `isDefault: true` makes it the default. */
export type AddressInput = z.input<typeof Address> & { isDefault?: boolean | null };

export const MAX_ADDRESSES = 5;

export async function addShippingAddress(deps: Deps, viewer: Viewer, input: AddressInput): Promise<{ address: AddressRow; user: UserRow }> {
  const fields = validInput(Address, input, { field: ['input'] });
  return deps.db.drizzle.transaction(async (tx) => {
    // The user row lock serialises address changes of one person (limit, single default).
    const user = await lockViewer(tx, viewer);
    const existing = await q.addressesByUserIds(tx, [viewer.id]);
    if (existing.length >= MAX_ADDRESSES) {
      fail('ADDRESS_LIMIT_REACHED', `You can keep at most ${MAX_ADDRESSES} shipping addresses.`);
    }
    let address = await q.insertAddress(tx, viewer.id, fields, existing.length === 0, deps.clock.now());
    if (existing.length > 0 && input.isDefault === true) {
      await q.makeDefaultAddress(tx, viewer.id, address.id);
      address = { ...address, isDefault: true };
    }
    return { address, user };
  });
}

export async function updateShippingAddress(deps: Deps, viewer: Viewer, id: string, input: AddressInput): Promise<{ address: AddressRow; user: UserRow }> {
  if (!isId(id)) fail('NOT_FOUND', 'No such shipping address.', ['id']);
  const fields = validInput(Address, input, { field: ['input'] });
  return deps.db.drizzle.transaction(async (tx) => {
    const user = await lockViewer(tx, viewer);
    if (!(await q.addressOf(tx, viewer.id, id))) fail('NOT_FOUND', 'No such shipping address.', ['id']);
    let address = await q.updateAddress(tx, id, fields);
    if (input.isDefault === true && !address.isDefault) {
      await q.makeDefaultAddress(tx, viewer.id, id);
      address = { ...address, isDefault: true };
    }
    return { address, user };
  });
}

/** Removes an address; when it was the default, the oldest remaining one becomes the default. */
export async function removeShippingAddress(deps: Deps, viewer: Viewer, id: string): Promise<UserRow> {
  if (!isId(id)) fail('NOT_FOUND', 'No such shipping address.', ['id']);
  return deps.db.drizzle.transaction(async (tx) => {
    const user = await lockViewer(tx, viewer);
    const address = await q.addressOf(tx, viewer.id, id);
    if (!address) fail('NOT_FOUND', 'No such shipping address.', ['id']);
    await q.deleteAddress(tx, id);
    if (address.isDefault) {
      const [oldest] = await q.addressesByUserIds(tx, [viewer.id]);
      if (oldest) await q.makeDefaultAddress(tx, viewer.id, oldest.id);
    }
    return user;
  });
}

/** A person's address for the orders subgraph's checkout (internal `shippingAddress`); null when it is not theirs. */
export async function shippingAddressFor(deps: Deps, userId: unknown, addressId: unknown) {
  if (!isId(userId) || !isId(addressId)) return { address: null };
  const a = await q.addressOf(deps.db.drizzle, userId, addressId);
  if (!a) return { address: null };
  const { recipientName, phone, country, province, city, street, postalCode } = a;
  return { address: { recipientName, phone, country, province, city, street, postalCode } };
}
