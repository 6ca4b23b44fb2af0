/** An injectable clock: the real one, or a manual one that tests move forward. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export class ManualClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  /** Move time forward by `seconds`. */
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}
