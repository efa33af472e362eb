/** Every action this dialect serves, by Tencent name. */
import type { ActionDef } from "./common.ts";
import { limitActions } from "./limits.ts";
import { networkInterfaceActions } from "./network-interfaces.ts";
import { peeringActions } from "./peerings.ts";
import { routeTableActions } from "./route-tables.ts";
import { routeSetActions } from "./route-sets.ts";
import { routeActions } from "./routes.ts";
import { securityGroupActions } from "./security-groups.ts";
import { subnetActions } from "./subnets.ts";
import { vpcActions } from "./vpcs.ts";
import { zoneActions } from "./zones.ts";

export const ACTIONS: Readonly<Record<string, ActionDef>> = Object.freeze({
  ...vpcActions,
  ...subnetActions,
  ...limitActions,
  ...routeTableActions,
  ...routeActions,
  ...routeSetActions,
  ...peeringActions,
  ...securityGroupActions,
  ...networkInterfaceActions,
  // CVM's DescribeZones (the same version, 2017-03-12).
  ...zoneActions,
});

export type { ActionDef, Ctx } from "./common.ts";
