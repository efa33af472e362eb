import { describe, expect, it } from "vitest";
import { bigNetwork, peering, vpc } from "./fixtures.ts";
import { buildGraph } from "./graph.ts";
import { layoutGraph, overlaps } from "./layout.ts";

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
});
