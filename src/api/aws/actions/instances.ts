/** EC2 actions: instances (see docs/dialects.md for what is covered). */
import type { ActionTable } from "../context.ts";

export const instancesActions: ActionTable = {};
