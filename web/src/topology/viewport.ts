/** The part of the drawing in view (an SVG viewBox): zoom about a point, pan, fit. Pure. */
export interface View {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Closest zoom in: a node about fills the view's width. */
const MIN_WIDTH = 200;

/** All of a width × height drawing. */
export const fit = (width: number, height: number): View => ({ x: 0, y: 0, w: width, h: height });

/** Zoom by `factor` (> 1: in) keeping the point (cx, cy) of the drawing where it is; no closer than MIN_WIDTH units wide, no farther than twice the whole. */
export function zoom(v: View, factor: number, cx: number, cy: number, whole: View): View {
  const w = Math.min(Math.max(v.w / factor, MIN_WIDTH), Math.max(whole.w * 2, MIN_WIDTH));
  const f = v.w / w;
  const h = v.h / f;
  return { x: cx - (cx - v.x) / f, y: cy - (cy - v.y) / f, w, h };
}

/**
 * Screen pixels per drawing unit below which a node's text (11–12.5 units) is under ~10 px: the
 * first view of a drawing never shows it smaller (the rest is a pan, the minimap or Fit away).
 */
export const READABLE = 0.92;

/** The scale (screen pixels per drawing unit) at which `v` shows on a screen × screen area (preserveAspectRatio meet). */
export const scaleOf = (v: View, screen: { width: number; height: number }) => Math.min(screen.width / v.w, screen.height / v.h);

/**
 * The first view of a width × height drawing on a screen of that size: all of it when that is
 * readable, else at READABLE scale, centred on `focus` (the busiest router) but kept inside the
 * drawing (so a focus near a corner starts at that corner).
 */
export function initialView(width: number, height: number, screen: { width: number; height: number }, focus?: { x: number; y: number }): View {
  const whole = fit(width, height);
  if (screen.width <= 0 || screen.height <= 0 || scaleOf(whole, screen) >= READABLE) return whole;
  const w = screen.width / READABLE;
  const h = screen.height / READABLE;
  const f = focus ?? { x: 0, y: 0 };
  const inside = (p: number, size: number, total: number) => (size >= total ? (total - size) / 2 : Math.min(Math.max(p, 0), total - size));
  return { x: inside(f.x - w / 2, w, width), y: inside(f.y - h / 2, h, height), w, h };
}

/** The view moved so that (x, y) is at its centre, zoomed in to READABLE first if it shows things smaller. */
export function centreOn(v: View, x: number, y: number, screen: { width: number; height: number }): View {
  const s = Math.max(scaleOf(v, screen), READABLE);
  const w = screen.width > 0 ? screen.width / s : v.w;
  const h = screen.height > 0 ? screen.height / s : v.h;
  return { x: x - w / 2, y: y - h / 2, w, h };
}

/** Does `v` show all of a width × height drawing? */
export const showsAll = (v: View, width: number, height: number) => v.x <= 0.5 && v.y <= 0.5 && v.x + v.w >= width - 0.5 && v.y + v.h >= height - 0.5;

/** Move the view by (dx, dy) drawing units, keeping some of the drawing in it. */
export function pan(v: View, dx: number, dy: number, whole: View): View {
  const clamp = (p: number, size: number, total: number) => Math.min(Math.max(p, -size * 0.8), total - size * 0.2);
  return { ...v, x: clamp(v.x + dx, v.w, whole.w), y: clamp(v.y + dy, v.h, whole.h) };
}
