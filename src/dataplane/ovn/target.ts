/**
 * Where the OVN driver finds the northbound database: `--ovn-nb tcp:HOST:PORT|unix:PATH` (a real
 * deployment, e.g. one member of a clustered NB), or `--lab D`, whose D/lab.json (written by
 * `vpcpeer lab up`) records it. Exactly one of the two.
 */
import { existsSync } from "node:fs";
import { parseEndpoint } from "./endpoint.ts";
import { readState } from "./lab/lab.ts";
import { layout } from "./lab/layout.ts";

export interface OvnTarget {
  ovnNb?: string | undefined;
  lab?: string | undefined;
}

export function northboundOf(t: OvnTarget): string {
  if (t.ovnNb !== undefined && t.lab !== undefined) throw new Error("--ovn-nb and --lab both name the northbound database: give one");
  if (t.ovnNb !== undefined) {
    try {
      parseEndpoint(t.ovnNb);
    } catch (e) {
      throw new Error(`--ovn-nb: ${(e as Error).message}`);
    }
    return t.ovnNb;
  }
  if (t.lab === undefined) throw new Error("--dataplane ovn needs --ovn-nb tcp:HOST:PORT|unix:PATH or --lab DIR");
  const noLab = `--lab: no lab is up in "${t.lab}" (run "vpcpeer lab up --dir ${t.lab}" first)`;
  if (!existsSync(t.lab)) throw new Error(noLab);
  let state;
  try {
    state = readState(layout(t.lab));
  } catch (e) {
    throw new Error(`--lab: ${(e as Error).message}`);
  }
  if (!state?.nb || state.status !== "up") throw new Error(noLab);
  return state.nb;
}
