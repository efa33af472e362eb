import type { Clock } from "../../src/service/ports.ts";

/** A clock tests move by hand: expiry, subscriptions and hourly billing become plain steps. */
export class TestClock implements Clock {
  constructor(private t = Date.parse("2026-01-05T10:00:00.000Z")) {}
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
  advanceHours(h: number): void {
    this.advance(h * 3_600_000);
  }
  advanceDays(d: number): void {
    this.advance(d * 86_400_000);
  }
}
