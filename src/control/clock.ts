/**
 * The portal's clock: real time, moved by an offset (set, advance) or stopped (freeze) by the sandbox
 * control API. Every "now" with portal meaning — dates the server writes, `time` in the envelope, token
 * expiry, authorization codes, limit windows — is read through it; durations are measured with
 * preciseNow() (real time) and never through it.
 *
 * Kept in the server process (the journal and fault rules too): with `--workers` the control API
 * refuses clock operations (see controlRoutes.ts) rather than let processes disagree on the time.
 */
import { preciseNow } from '../protocol/envelope.js';

export interface ClockState {
  /** the portal's now, Unix seconds with fractions */
  now: number;
  /** portal − real, seconds */
  offset: number;
  frozen: boolean;
}

export class PortalClock {
  private offset = 0;
  private frozenAt: number | undefined;

  /** The portal time of a real instant (`preciseNow()` seconds). */
  at(real: number): number {
    return this.frozenAt ?? real + this.offset;
  }

  /** The portal's now, seconds with fractions. */
  now(): number {
    return this.frozenAt ?? preciseNow() + this.offset;
  }

  /** The portal's now, whole seconds. */
  nowSeconds(): number {
    return Math.floor(this.now());
  }

  /** true when the clock is real time (no offset, not frozen): callers may skip converting. */
  get real(): boolean {
    return this.offset === 0 && this.frozenAt === undefined;
  }

  set(seconds: number): void {
    if (this.frozenAt !== undefined) this.frozenAt = seconds;
    else this.offset = seconds - preciseNow();
  }

  advance(seconds: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += seconds;
    else this.offset += seconds;
  }

  /** Stops the clock at `seconds`, or at its current reading. */
  freeze(seconds?: number): void {
    this.frozenAt = seconds ?? this.now();
  }

  /** Lets a frozen clock run again from where it stands. */
  release(): void {
    if (this.frozenAt === undefined) return;
    this.offset = this.frozenAt - preciseNow();
    this.frozenAt = undefined;
  }

  /** Back to real time. */
  reset(): void {
    this.offset = 0;
    this.frozenAt = undefined;
  }

  state(): ClockState {
    return { now: this.now(), offset: this.frozenAt === undefined ? this.offset : this.frozenAt - preciseNow(), frozen: this.frozenAt !== undefined };
  }
}
