import { describe, expect, it } from "vitest";
import { READABLE, centreOn, fit, initialView, pan, scaleOf, showsAll, zoom } from "./viewport.ts";

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

  it("opens all of a drawing that is readable whole, else at a readable scale around the focus, inside the drawing", () => {
    const screen = { width: 1200, height: 600 };
    // Small: all of it (as Fit shows it).
    expect(initialView(800, 400, screen)).toEqual(fit(800, 400));
    // Large: text at READABLE pixels per unit, the view the screen's shape, centred on the focus.
    const v = initialView(8000, 6000, screen, { x: 4000, y: 3000 });
    expect(scaleOf(v, screen)).toBeCloseTo(READABLE);
    expect(READABLE * 11).toBeGreaterThanOrEqual(10);
    expect(v.w / v.h).toBeCloseTo(2);
    expect(v.x + v.w / 2).toBeCloseTo(4000);
    expect(v.y + v.h / 2).toBeCloseTo(3000);
    expect(showsAll(v, 8000, 6000)).toBe(false);
    // A focus near a corner (or none) starts at that corner, not beyond the drawing.
    expect(initialView(8000, 6000, screen, { x: 10, y: 10 })).toMatchObject({ x: 0, y: 0 });
    expect(initialView(8000, 6000, screen)).toMatchObject({ x: 0, y: 0 });
    const far = initialView(8000, 6000, screen, { x: 7990, y: 5990 });
    expect(far.x + far.w).toBeCloseTo(8000);
    expect(far.y + far.h).toBeCloseTo(6000);
    // Tall and narrow (a phone): readable, centred across.
    const phone = initialView(600, 9000, { width: 360, height: 600 }, { x: 300, y: 4500 });
    expect(scaleOf(phone, { width: 360, height: 600 })).toBeCloseTo(READABLE);
    expect(phone.x + phone.w / 2).toBeCloseTo(300);
  });
  it("centres on a point, zooming in to readable first but never out", () => {
    const screen = { width: 1000, height: 500 };
    const wide = fit(10000, 5000);
    const c = centreOn(wide, 7000, 1000, screen);
    expect(scaleOf(c, screen)).toBeCloseTo(READABLE);
    expect([c.x + c.w / 2, c.y + c.h / 2]).toEqual([7000, 1000]);
    const close = { x: 0, y: 0, w: 500, h: 250 };
    const c2 = centreOn(close, 100, 100, screen);
    expect(c2.w).toBeCloseTo(500);
    expect([c2.x + c2.w / 2, c2.y + c2.h / 2]).toEqual([100, 100]);
  });
});
