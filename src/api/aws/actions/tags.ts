/** EC2 actions: tags (see docs/dialects.md for what is covered). */
import type { ActionTable } from "../context.ts";

export const tagsActions: ActionTable = {};
