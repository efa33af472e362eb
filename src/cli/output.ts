/** CLI output: aligned tables for people, JSON for scripts. */

export type Column = [header: string, path: string];

function valueAt(obj: unknown, path: string): string {
  let v: unknown = obj;
  for (const part of path.split(".")) v = v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
  if (v === undefined || v === null || v === "") return "-";
  if (Array.isArray(v)) return v.length ? v.join(",") : "-";
  if (typeof v === "object") return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}=${String(x)}`).join(",") || "-";
  return String(v);
}

export function formatTable(rows: readonly unknown[], columns: readonly Column[]): string {
  const cells = rows.map((r) => columns.map(([, path]) => valueAt(r, path)));
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join("  ");
  return [line(columns.map(([h]) => h)), ...cells.map(line)].join("\n");
}

export function printTable(rows: readonly unknown[], columns: readonly Column[]): void {
  process.stdout.write(formatTable(rows, columns) + "\n");
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/** One resource as KEY: value lines. */
export function printRecord(value: Record<string, unknown>): void {
  const keys = Object.keys(value).filter((k) => value[k] !== undefined && (typeof value[k] !== "object" || value[k] === null || k === "tags" || Array.isArray(value[k])));
  const width = Math.max(...keys.map((k) => k.length));
  for (const k of keys) process.stdout.write(`${k.padEnd(width)}  ${valueAt(value, k)}\n`);
}
