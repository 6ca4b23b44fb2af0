/**
 * A DataLoader that answers a primed key at once: `loadNow(key)` is the value
 * primed for it (not a promise), or `load(key)` as usual.
 *
 * A statement that joins what the page shows next (a search page's stores, a
 * product page's store, a cart's variants and products) primes those loaders;
 * a resolver that asks for a primed value then returns it as is, and
 * graphql-js completes the field without a promise, its microtasks and the
 * promise of every object above it (`promiseForObject`). The answer is the
 * same as `load`'s: the value a key was first primed with, as DataLoader keeps
 * it (a later prime of a key already loaded or primed changes nothing), until
 * `clear`/`clearAll`.
 */
import DataLoader from 'dataloader';

export class PrimedLoader<K, V> extends DataLoader<K, V> {
  /** Keys loaded or primed since their last clear: a prime of one of these changes nothing (DataLoader's rule). */
  private readonly seen = new Set<K>();
  /** Values primed for keys not loaded before. */
  private readonly primed = new Map<K, V>();

  override load(key: K): Promise<V> {
    this.seen.add(key);
    return super.load(key);
  }

  /** The value primed for `key`, at once; otherwise `load(key)`. */
  loadNow(key: K): V | Promise<V> {
    return this.primed.has(key) ? (this.primed.get(key) as V) : this.load(key);
  }

  override prime(key: K, value: V | PromiseLike<V> | Error): this {
    if (!this.seen.has(key)) {
      this.seen.add(key);
      if (!(value instanceof Error) && !isThenable(value)) this.primed.set(key, value as V);
    }
    return super.prime(key, value);
  }

  override clear(key: K): this {
    this.seen.delete(key);
    this.primed.delete(key);
    return super.clear(key);
  }

  override clearAll(): this {
    this.seen.clear();
    this.primed.clear();
    return super.clearAll();
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
