/** EC2 actions: vpcs (see docs/dialects.md for what is covered). */
import type { ActionTable } from "../context.ts";

export const vpcsActions: ActionTable = {};
