import { describe, expect, it } from "vitest";
import { bigNetwork, peering, vpc } from "./fixtures.ts";
import { buildGraph } from "./graph.ts";
import { type Box, type Point, layoutGraph, overlaps } from "./layout.ts";

const graphOf = (n: ReturnType<typeof bigNetwork>) => buildGraph({ accountId: "acc-a", vpcs: n.vpcs, vbrs: [], peerings: n.peerings, routerInterfaces: [], showEnded: false, now: new Date("2026-01-02T00:00:00Z") });

function assertNoOverlap(layout: ReturnType<typeof layoutGraph>): void {
  const boxes = [...layout.nodes.entries()];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, ba] = boxes[i]!;
      const [b, bb] = boxes[j]!;
      expect(overlaps(ba, bb), `${a} ${JSON.stringify(ba)} overlaps ${b} ${JSON.stringify(bb)}`).toBe(false);
    }
}

describe("topology layout", () => {
  it("200 VPCs and 300 peerings: every node placed, no two boxes overlap, inside the drawing (time printed)", () => {
    const g = graphOf(bigNetwork(200, 300));
    expect(g.nodes).toHaveLength(200);
    expect(g.edges).toHaveLength(300);
    const t0 = performance.now();
    const layout = layoutGraph(g);
    const ms = performance.now() - t0;
    console.log(`topology layout of 200 VPCs / 300 peerings: ${ms.toFixed(0)} ms, ${layout.width.toFixed(0)}×${layout.height.toFixed(0)}`);
    expect(layout.nodes.size).toBe(200);
    assertNoOverlap(layout);
    for (const b of layout.nodes.values()) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width).toBeLessThanOrEqual(layout.width + 0.5);
      expect(b.y + b.height).toBeLessThanOrEqual(layout.height + 0.5);
    }
    for (const e of g.edges) expect(layout.edges.get(e.id)!.points.length, e.id).toBeGreaterThan(1);
    // Regions do not overlap, and each region's box holds its nodes.
    for (const c of layout.clusters) for (const d of layout.clusters) if (c !== d) expect(overlaps(c.box, d.box), `${c.region} / ${d.region}`).toBe(false);
    for (const n of g.nodes) {
      const c = layout.clusters.find((c) => c.region === n.region)!.box;
      const b = layout.nodes.get(n.id)!;
      expect(b.x >= c.x - 0.5 && b.x + b.width <= c.x + c.width + 0.5 && b.y >= c.y - 0.5 && b.y + b.height <= c.y + c.height + 0.5, n.id).toBe(true);
    }
  });

  it("unconnected VPCs are stacked in columns, not laid in one endless row", () => {
    const g = graphOf(bigNetwork(40, 0));
    const layout = layoutGraph(g);
    assertNoOverlap(layout);
    const rows = new Set([...layout.nodes.values()].map((b) => Math.round(b.y)));
    expect(rows.size).toBeGreaterThan(1);
    expect(layout.width).toBeLessThan(40 * 200);
  });

  it("two peerings between the same pair (one ended, shown) get an edge each", () => {
    const a = vpc("acc-a", "vpc-aaaaaaaaaaaa", "cn-hangzhou", "10.0.0.0/16");
    const b = vpc("acc-a", "vpc-bbbbbbbbbbbb", "cn-hangzhou", "10.1.0.0/16");
    const g = buildGraph({ accountId: "acc-a", vpcs: [a, b], vbrs: [], peerings: [peering("pcx-1", a, b), peering("pcx-2", a, b, { state: "deleted" })], routerInterfaces: [], showEnded: true, now: new Date() });
    const layout = layoutGraph(g);
    expect([...layout.edges.keys()].sort()).toEqual(["pcx-1", "pcx-2"]);
    assertNoOverlap(layout);
  });

  it("wraps regions and groups to the screen's shape: wide on a wide screen, tall on a phone; never one long flat row", () => {
    const g = graphOf(bigNetwork(200, 300));
    const wide = layoutGraph(g, { aspect: 2.1 });
    const tall = layoutGraph(g, { aspect: 0.6 });
    assertNoOverlap(wide);
    assertNoOverlap(tall);
    expect(wide.width / wide.height).toBeGreaterThan(1);
    expect(tall.width / tall.height).toBeLessThan(1);
    // Each within a factor of 2 of the shape asked for.
    expect(Math.abs(Math.log(wide.width / wide.height / 2.1))).toBeLessThan(Math.log(2));
    expect(Math.abs(Math.log(tall.width / tall.height / 0.6))).toBeLessThan(Math.log(2));
    // Loose VPCs on a phone: a grid about as tall as wide or taller, not a row.
    const loose = layoutGraph(graphOf(bigNetwork(40, 0)), { aspect: 0.6 });
    expect(loose.width).toBeLessThan(loose.height);
  });

  it("routes connections across regions in right angles around the routers between, not through them", () => {
    const g = graphOf(bigNetwork(200, 300));
    const regionOf = new Map(g.nodes.map((n) => [n.id, n.region]));
    const across = g.edges.filter((e) => regionOf.get(e.source) !== regionOf.get(e.target));
    expect(across.length).toBeGreaterThan(20);
    const cuts = (p: Point, q: Point, b: Box) => Math.min(p.x, q.x) < b.x + b.width && b.x < Math.max(p.x, q.x) + 0.01 && Math.min(p.y, q.y) < b.y + b.height && b.y < Math.max(p.y, q.y) + 0.01;
    for (const aspect of [2.1, 0.6]) {
      const layout = layoutGraph(g, { aspect });
      const through: string[] = [];
      for (const e of across) {
        const at = layout.edges.get(e.id)!;
        expect(at.straight, e.id).toBe(true);
        for (let i = 1; i < at.points.length; i++) {
          const p = at.points[i - 1]!;
          const q = at.points[i]!;
          // Horizontal or vertical.
          expect(p.x === q.x || p.y === q.y, `${e.id} ${JSON.stringify([p, q])}`).toBe(true);
          for (const [id, b] of layout.nodes) if (id !== e.source && id !== e.target && cuts(p, q, b)) through.push(`${e.id} through ${id}`);
        }
        // It starts on its source's border and ends on its target's.
        const onBorder = (p: Point, b: Box) => (p.x === b.x || p.x === b.x + b.width || p.y === b.y || p.y === b.y + b.height) && p.x >= b.x && p.x <= b.x + b.width && p.y >= b.y && p.y <= b.y + b.height;
        expect(onBorder(at.points[0]!, layout.nodes.get(e.source)!), e.id).toBe(true);
        expect(onBorder(at.points.at(-1)!, layout.nodes.get(e.target)!), e.id).toBe(true);
      }
      expect(through, `aspect ${aspect}`).toEqual([]);
    }
  });
});
