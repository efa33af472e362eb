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

/** Move the view by (dx, dy) drawing units, keeping some of the drawing in it. */
export function pan(v: View, dx: number, dy: number, whole: View): View {
  const clamp = (p: number, size: number, total: number) => Math.min(Math.max(p, -size * 0.8), total - size * 0.2);
  return { ...v, x: clamp(v.x + dx, v.w, whole.w), y: clamp(v.y + dy, v.h, whole.h) };
}
