/** OVSDB connection strings, as OVS spells them: `unix:PATH`, `tcp:HOST:PORT`, `tcp:[IPv6]:PORT`. */

export type Endpoint = { kind: "unix"; path: string } | { kind: "tcp"; host: string; port: number };

export function parseEndpoint(s: string): Endpoint {
  if (s.startsWith("unix:")) {
    const path = s.slice(5);
    if (!path) throw new Error(`"${s}": unix: needs a socket path`);
    return { kind: "unix", path };
  }
  const m = /^tcp:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (m) {
    const port = Number(m[3]);
    if (port < 1 || port > 65535) throw new Error(`"${s}": ${port} is not a TCP port`);
    return { kind: "tcp", host: m[1] ?? m[2]!, port };
  }
  throw new Error(`"${s}" is not an OVSDB connection string (unix:PATH or tcp:HOST:PORT)`);
}

export function formatEndpoint(e: Endpoint): string {
  if (e.kind === "unix") return `unix:${e.path}`;
  return `tcp:${e.host.includes(":") ? `[${e.host}]` : e.host}:${e.port}`;
}
