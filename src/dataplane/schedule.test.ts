import { describe, expect, it } from "vitest";
import { diff } from "./diff.ts";
import { observedFromPlan } from "./observed.ts";
import { twoRouters } from "../../test/support/dataplane.ts";
import { compile } from "./plan.ts";
import { rounds, runsOf } from "./schedule.ts";

const before = twoRouters({ peered: false });
const accepted = twoRouters({ peered: true });
const show = (bs: { ns: string; cmd: string }[]) => bs.map((b) => `${b.ns} ${b.cmd}`);

describe("rounds", () => {
  it("applies an accept in one run per router: the side that makes the veth, then the other", () => {
    const plan = compile(accepted, "t");
    const state = { namespaces: new Map([...compile(before, "t").namespaces].map(([n, ns]) => [n, observedFromPlan(ns)])) };
    const { first, then } = rounds(diff(plan, state).batches);
    expect(new Set(first.map((b) => b.ns))).toEqual(new Set(["t-r-aaaaaaaaaaaa"]));
    expect(new Set(then.map((b) => b.ns))).toEqual(new Set(["t-r-bbbbbbbbbbbb"]));
    // Within a router, in phase order: the link is made, told to answer ARP at once, brought up, routed over.
    expect(show([...first].sort((x, y) => x.phase - y.phase))).toEqual([
      "t-r-aaaaaaaaaaaa link add p-pppppppppppp type veth peer name p-pppppppppppp netns t-r-bbbbbbbbbbbb",
      "t-r-aaaaaaaaaaaa ntable change name arp_cache dev p-pppppppppppp proxy_delay 0",
      "t-r-aaaaaaaaaaaa link set p-pppppppppppp up",
      expect.stringMatching(/^t-r-aaaaaaaaaaaa route replace 172\.16\.0\.0\/16 dev p-pppppppppppp table \d+$/),
    ]);
    expect(show([...then].sort((x, y) => x.phase - y.phase))).toEqual([
      "t-r-bbbbbbbbbbbb ntable change name arp_cache dev p-pppppppppppp proxy_delay 0",
      "t-r-bbbbbbbbbbbb link set p-pppppppppppp up",
      expect.stringMatching(/^t-r-bbbbbbbbbbbb route replace 10\.0\.0\.0\/16 dev p-pppppppppppp table \d+$/),
    ]);
  });

  it("runs each namespace's ip lines before its tc lines, namespaces side by side", () => {
    const capped = twoRouters({ peered: true, bandwidthMbps: 10 });
    const state = { namespaces: new Map([...compile(before, "t").namespaces].map(([n, ns]) => [n, observedFromPlan(ns)])) };
    const { first } = rounds(diff(compile(capped, "t"), state).batches);
    const [runs] = runsOf(first);
    expect(runs!.map((r) => `${r.ns} ${r.tool}`)).toEqual(["t-r-aaaaaaaaaaaa ip", "t-r-aaaaaaaaaaaa tc"]);
    expect(runs![0]!.lines[0]).toMatch(/^link add p-pppppppppppp /);
    expect(runs![1]!.lines).toEqual([expect.stringMatching(/^qdisc replace dev p-pppppppppppp root tbf rate 10mbit/)]);
  });

  it("builds from empty in two rounds: every creation first, the far ends of veths second", () => {
    const { first, then } = rounds(diff(compile(accepted, "t"), { namespaces: new Map() }).batches);
    expect(first.filter((b) => b.cmd.startsWith("link add"))).toHaveLength(4); // two bridges, the instance veth, the peering veth
    expect(then.some((b) => b.cmd.startsWith("link add"))).toBe(false);
    expect(new Set(then.map((b) => b.ns))).toEqual(new Set(["t-r-bbbbbbbbbbbb", "t-i-aaaaaaaaaaa1"]));
    // Nothing in the second round configures a link of its own namespace's making.
    for (const b of then) expect(b.dev === "eth0" || b.dev === "p-pppppppppppp").toBe(true);
  });
});
