/** Every EC2 action this face answers, by name (one table per resource family). */
import type { ActionTable } from "../context.ts";
import { accountActions } from "./account.ts";
import { insightsActions } from "./insights.ts";
import { instancesActions } from "./instances.ts";
import { peeringsActions } from "./peerings.ts";
import { routeTablesActions } from "./route-tables.ts";
import { securityGroupRuleActions } from "./security-group-rules.ts";
import { securityGroupsActions } from "./security-groups.ts";
import { subnetsActions } from "./subnets.ts";
import { tagsActions } from "./tags.ts";
import { vpcsActions } from "./vpcs.ts";

export const EC2_ACTIONS: ActionTable = {
  ...accountActions,
  ...vpcsActions,
  ...subnetsActions,
  ...routeTablesActions,
  ...peeringsActions,
  ...instancesActions,
  ...securityGroupsActions,
  ...securityGroupRuleActions,
  ...tagsActions,
  ...insightsActions,
};
