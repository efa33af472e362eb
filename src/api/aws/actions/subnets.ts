/** EC2 actions: subnets (see docs/dialects.md for what is covered). */
import type { ActionTable } from "../context.ts";

export const subnetsActions: ActionTable = {};
