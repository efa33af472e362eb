/** EC2 actions: peerings (see docs/dialects.md for what is covered). */
import type { ActionTable } from "../context.ts";

export const peeringsActions: ActionTable = {};
