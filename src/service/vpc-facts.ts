/**
 * What never changes about a VPC while it exists: its account, region, CIDR and main route table.
 * This process remembers them from the VPCs it creates or reads for a subnet create, so that the
 * next subnet create in the VPC needs no read of it before its one statement (#17). A VPC deleted
 * meanwhile (by this server or another) is caught by that statement's foreign keys, and the create
 * then goes the locked way, which answers NotFound (SubnetService). Bounded: the least recently
 * used are forgotten first.
 */
import type { Vpc } from "../domain/resources.ts";
import type { Actor } from "./context.ts";

export type VpcFact = Pick<Vpc, "id" | "accountId" | "region" | "cidr" | "defaultRouteTableId">;

export class VpcFacts {
  private readonly facts = new Map<string, VpcFact>();

  constructor(private readonly max = 10_000) {}

  remember(vpc: VpcFact): void {
    this.facts.delete(vpc.id);
    if (this.facts.size >= this.max) this.facts.delete(this.facts.keys().next().value!);
    this.facts.set(vpc.id, { id: vpc.id, accountId: vpc.accountId, region: vpc.region, cidr: vpc.cidr, defaultRouteTableId: vpc.defaultRouteTableId });
  }

  forget(id: string): void {
    this.facts.delete(id);
  }

  /** The VPC as `actor` may see it (its account's; in the call's region when the call has one), if remembered. */
  of(actor: Actor, id: string): VpcFact | undefined {
    const fact = this.facts.get(id);
    if (fact === undefined || fact.accountId !== actor.accountId || (actor.region !== undefined && fact.region !== actor.region)) return undefined;
    // Most recently used last.
    this.facts.delete(id);
    this.facts.set(id, fact);
    return fact;
  }
}
