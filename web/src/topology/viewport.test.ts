import { describe, expect, it } from "vitest";
import { fit, pan, zoom } from "./viewport.ts";

describe("topology viewport", () => {
  const whole = fit(4000, 2000);
  it("zooms about a point, which stays where it was", () => {
    const v = zoom(whole, 2, 1000, 500, whole);
    expect(v).toEqual({ x: 500, y: 250, w: 2000, h: 1000 });
    // (1000, 500) is a quarter across and down, before and after.
    expect((1000 - v.x) / v.w).toBeCloseTo(1000 / 4000);
    expect((500 - v.y) / v.h).toBeCloseTo(500 / 2000);
  });
  it("stops zooming in at 200 units wide (about a node) and out at twice the whole", () => {
    expect(zoom(whole, 100, 0, 0, whole).w).toBe(200);
    expect(zoom(whole, 0.01, 0, 0, whole).w).toBe(8000);
    // A small drawing still zooms in, down to the same limit.
    const small = fit(300, 100);
    expect(zoom(small, 1.25, 0, 0, small).w).toBe(240);
    expect(zoom(small, 4, 0, 0, small).w).toBe(200);
  });
  it("pans, keeping part of the drawing in view", () => {
    const v = zoom(whole, 4, 0, 0, whole);
    expect(pan(v, 100, 50, whole)).toEqual({ ...v, x: 100, y: 50 });
    const far = pan(v, 1e6, 1e6, whole);
    expect(far.x).toBe(4000 - v.w * 0.2);
    expect(far.y).toBe(2000 - v.h * 0.2);
    expect(pan(v, -1e6, 0, whole).x).toBe(-v.w * 0.8);
  });
});
