/** EC2 actions: route-tables (see docs/dialects.md for what is covered). */
import type { ActionTable } from "../context.ts";

export const routeTablesActions: ActionTable = {};
