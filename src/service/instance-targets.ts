/**
 * An instance as a route's next hop (an appliance: a firewall, a NAT box, a VPN endpoint): the
 * route sends the matching traffic of the subnets using the table to the instance's private IP,
 * and the data plane lets that instance forward. The instance must be the caller's and sit in the
 * route table's VPC (the clouds' rule: "the next hop must be in the same VPC as the route table").
 * An instance may be named by its private IP in the table's VPC (Tencent names a CVM next hop so);
 * the route stores its id. Deleting the instance leaves its routes in place as `blackhole`, as AWS does with a terminated
 * instance; a new instance never inherits them (ids are not reused).
 */
import { parseIp } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import type { RouteState } from "../domain/resources.ts";
import type { RouteTargets, TargetHandler } from "./route-targets.ts";

export function registerInstanceTargets(targets: RouteTargets): void {
  const instance: TargetHandler = {
    async validate(r, accountId, vpc, _destination, id) {
      // Named by id, or by its private IP in the table's VPC (Tencent's CVM next hop). Another
      // account's instance answers exactly like a missing one.
      const ins = parseIp(id) !== null ? (await r.instances.all(accountId, { vpc_id: vpc.id, private_ip: id }))[0] : await r.instances.get(accountId, id);
      // One of another region (the table's VPC is in one) answers like a missing one too, rather
      // than naming the VPC it is in.
      if (!ins || ins.region !== vpc.region) throw notFound("instance", id, "target.id");
      if (ins.vpcId !== vpc.id) {
        throw new DomainError("InvalidRouteTarget", `target.id: instance ${id} is in ${ins.vpcId}, not in the route table's VPC ${vpc.id}; a next hop must be in the table's VPC`, {
          field: "target.id",
          reason: "instanceNotInVpc",
        });
      }
      return ins.id;
    },
    async states(r, vpc, ids) {
      const out = new Map<string, RouteState>();
      for (const ins of await instancesOf(r, vpc.id, ids)) out.set(ins.id, "active");
      return out;
    },
    async addresses(r, vpc, ids) {
      return new Map((await instancesOf(r, vpc.id, ids)).map((i) => [i.id, i.privateIp]));
    },
  };
  targets.register("instance", instance);
}

/** The instances among `ids` that still exist in the VPC. */
async function instancesOf(r: Parameters<TargetHandler["states"]>[0], vpcId: string, ids: readonly string[]) {
  const out = [];
  for (const id of new Set(ids)) {
    const [ins] = await r.instances.whereAny("id", id);
    if (ins && ins.vpcId === vpcId) out.push(ins);
  }
  return out;
}
