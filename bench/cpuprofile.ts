/** Reading V8 .cpuprofile files (node --cpu-prof): CPU per request by layer, by origin and by function. */
import { fmt, table } from "./scenario.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: an npm package, a project file, a node: module, or V8 itself. */
function origin(f: CallFrame): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (pkg) return pkg[1]!;
  const src = /\/((?:src|bench)\/.*)$/.exec(f.url);
  if (src) return src[1]!;
  if (f.url.startsWith("node:")) return `node:${f.url.slice(5).split("/")[0]}`;
  if (f.url === "") return `(${f.functionName || "native"})`;
  return f.url;
}

/**
 * Layers of a request worth pricing. "stack": a frame anywhere on the sampled stack puts the sample
 * in the layer (inclusive; note that async continuations only have the frames since their await);
 * "leaf": only the sampled (innermost) frame counts (self time).
 */
const LAYERS: [string, "stack" | "leaf", (f: CallFrame) => boolean][] = [
  ["auth hook: bearer token → account (src/api/native/index.ts)", "stack", (f) => f.url.endsWith("src/api/native/index.ts")],
  ["  of which sha256(token) (hashToken; only when the token is not cached)", "stack", (f) => f.functionName === "hashToken"],
  ["route handler → service → repository code", "stack", (f) => /src\/(service|store)\//.test(f.url) && !f.url.endsWith("accounts.ts")],
  ["  of which SQLite executing statements (self of the direct reads, src/store/store.ts)", "leaf", (f) => f.url.endsWith("src/store/store.ts")],
  ["Kysely, all of it (query building runs once per query shape)", "stack", (f) => f.url.includes("node_modules/kysely/")],
  ["response serialization (fast-json-stringify; store JSON is sent as it is)", "stack", (f) => f.url.includes("node_modules/fast-json-stringify/")],
  ["onResponse hook: metrics + debug check (src/api/app.ts)", "stack", (f) => f.url.endsWith("src/api/app.ts") && f.functionName !== "buildApp"],
  ["AsyncLocalStorage / promise hooks (self)", "leaf", (f) => f.url === "node:async_hooks" || f.url.startsWith("node:internal/async_hooks") || /^promise(Init|Before|After|Resolve)Hook$/.test(f.functionName)],
  ["fastify + find-my-way (self)", "leaf", (f) => f.url.includes("node_modules/fastify/") || f.url.includes("node_modules/find-my-way/")],
  ["node http + net, incl. socket writes (self)", "leaf", (f) => /^node:(_http_|net|internal\/(http|stream|net|streams))/.test(f.url) || f.functionName === "writev" || f.functionName === "writeUtf8String" || f.functionName === "writeBuffer"],
  ["garbage collector", "leaf", (f) => f.functionName === "(garbage collector)"],
];

export function summarize(profile: CpuProfile, fromUs: number, toUs: number, requests: number, top: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  const layer = new Array<number>(LAYERS.length).fill(0);
  let busy = 0;
  let idle = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    if (t < fromUs || t > toUs) continue;
    // The sample's weight: the time until the next sample (or the mean interval at the end).
    const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i]!;
    const node = byId.get(profile.samples[i]!)!;
    if (node.callFrame.functionName === "(idle)") {
      idle += dt;
      continue;
    }
    busy += dt;
    const key = `${node.callFrame.functionName || "(anonymous)"}  ${origin(node.callFrame)}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const o = origin(node.callFrame);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + dt);
    const hit = LAYERS.map(([, mode, match]) => mode === "leaf" && match(node.callFrame));
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      LAYERS.forEach(([, mode, match], j) => {
        if (mode === "stack" && !hit[j] && match(f)) hit[j] = true;
      });
    }
    hit.forEach((h, j) => {
      if (h) layer[j]! += dt;
    });
  }
  const perReq = (us: number) => fmt(us / requests, 1);
  const share = (us: number) => `${fmt((us / busy) * 100, 1)}%`;
  console.log(
    `\nprofiled window: ${fmt((toUs - fromUs) / 1e6, 2)} s; main thread ${fmt(busy / 1e6, 2)} s busy, ${fmt(idle / 1e6, 2)} s idle; ${requests.toLocaleString("en-US")} requests → ${perReq(busy)} µs of main-thread CPU per request\n`,
  );
  console.log(table(["layer (rows overlap; see LAYERS in bench/cpuprofile.ts)", "µs/request", "share of busy"], LAYERS.map(([label], j) => [label, perReq(layer[j]!), share(layer[j]!)])));
  console.log("\nself time by origin\n");
  const origins = [...byOrigin].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(table(["origin", "µs/request", "share of busy"], origins.map(([k, v]) => [k, perReq(v), share(v)])));
  console.log("\ntop functions by self time\n");
  const fns = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(table(["function  origin:line", "µs/request", "share of busy"], fns.map(([k, v]) => [k, perReq(v), share(v)])));
}

