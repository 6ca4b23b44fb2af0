/**
 * Frames to client sockets, at most `perTurn` (SUBSCRIPTION_WRITES_PER_TURN,
 * default 500) written in one turn of the event loop.
 *
 * An event for 10,000 sockets is a burst of 10,000 socket writes, about 20 µs
 * each on the bench machine (bench/RESULTS.md). Written in one go, the burst
 * holds up every HTTP request and every upstream frame that arrives meanwhile
 * for its whole length (a `{ __typename }` query waited up to 173 ms).
 * Past the budget, writes wait in order and go out `perTurn` at a time, one
 * batch per turn (`setImmediate`, after the turn's I/O callbacks), so other
 * work runs between the batches; the burst itself takes as long as before.
 *
 * Order: once anything waits, every later write waits behind it, so the
 * frames of one socket keep their order.
 */
export class FrameWriter {
  /** Writes done in the current turn. */
  private inTurn = 0;
  private readonly waiting: ((() => void) | undefined)[] = [];
  private head = 0;
  private scheduled = false;

  constructor(private readonly perTurn: number) {}

  /** May a write go out now? Counted if so; if not, hand it to `later`. */
  now(): boolean {
    if (this.head < this.waiting.length || this.inTurn >= this.perTurn) return false;
    this.inTurn++;
    this.schedule(); // the count starts again next turn
    return true;
  }

  /** Run `write` in a later turn, after every write waiting before it. */
  later(write: () => void): void {
    this.waiting.push(write);
    this.schedule();
  }

  /** Writes waiting for a later turn. */
  get pending(): number {
    return this.waiting.length - this.head;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    let n = 0;
    while (this.head < this.waiting.length && n < this.perTurn) {
      const write = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined;
      n++;
      try {
        write();
      } catch {
        // a write to a socket that went away meanwhile: nothing to deliver it to
      }
    }
    if (this.head === this.waiting.length) {
      this.waiting.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.waiting.length) {
      // writes keep coming while older ones wait: drop the spent front
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
    this.inTurn = n;
    if (n > 0) this.schedule();
  };
}
