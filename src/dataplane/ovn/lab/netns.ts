/** Network namespaces by name (`ip -j netns list`). */
import { tool } from "./daemons.ts";

export async function listAllNamespaces(): Promise<string[]> {
  const out = (await tool("ip", ["-j", "netns", "list"])).trim();
  return out ? (JSON.parse(out) as { name: string }[]).map((n) => n.name) : [];
}
