/**
 * What keeps a resource from being deleted. One place to ask, so that later resources (peerings,
 * router interfaces) add their dependencies here instead of in every delete use case.
 */
import type { Vpc } from "../domain/resources.ts";
import type { Repos } from "../store/repos/index.ts";

export interface Dependent {
  resource: string;
  id: string;
}

export interface DependentsProbe {
  ofVpc(r: Repos, accountId: string, vpc: Vpc): Promise<Dependent[]>;
}

/** Cap on how many blockers an error lists; the count beyond is implied by "…". */
const SHOWN = 20;

export class NetworkDependents implements DependentsProbe {
  /** Extra probes contributed by other modules (e.g. live peerings of the VPC). */
  private readonly extra: ((r: Repos, accountId: string, vpc: Vpc) => Promise<Dependent[]>)[] = [];

  add(probe: (r: Repos, accountId: string, vpc: Vpc) => Promise<Dependent[]>): void {
    this.extra.push(probe);
  }

  async ofVpc(r: Repos, accountId: string, vpc: Vpc): Promise<Dependent[]> {
    const subnets = await r.subnets.all(accountId, { vpc_id: vpc.id });
    const tables = (await r.routeTables.all(accountId, { vpc_id: vpc.id })).filter((t) => !t.isDefault);
    const out: Dependent[] = [
      ...subnets.map((s) => ({ resource: "subnet", id: s.id })),
      ...tables.map((t) => ({ resource: "route-table", id: t.id })),
    ];
    for (const probe of this.extra) out.push(...(await probe(r, accountId, vpc)));
    return out.slice(0, SHOWN);
  }
}
