/** Every action this dialect serves, by Tencent name. */
import type { ActionDef } from "./common.ts";
import { peeringActions } from "./peerings.ts";
import { routeTableActions } from "./route-tables.ts";
import { routeActions } from "./routes.ts";
import { vpcActions } from "./vpcs.ts";

export const ACTIONS: Readonly<Record<string, ActionDef>> = Object.freeze({ ...vpcActions, ...routeTableActions, ...routeActions, ...peeringActions });

export type { ActionDef, Ctx } from "./common.ts";
