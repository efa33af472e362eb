/** Tags as the console edits them: one `key=value` per line (values may hold commas and "="). */

export function tagsToText(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n");
}

/** Parses `key=value` lines; blank lines are skipped, a line without "=" is a key with an empty value. */
export function textToTags(text: string): Record<string, string> {
  const pairs: Array<[string, string]> = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === "") continue;
    const eq = line.indexOf("=");
    pairs.push([(eq < 0 ? line : line.slice(0, eq)).trim(), eq < 0 ? "" : line.slice(eq + 1).trim()]);
  }
  // fromEntries defines own properties, so a key like "__proto__" stays a tag.
  return Object.fromEntries(pairs);
}

/** A one-line summary for tables. */
export function tagsSummary(tags: Record<string, string> | undefined): string {
  const entries = Object.entries(tags ?? {});
  return entries.length === 0 ? "—" : entries.map(([k, v]) => (v ? `${k}=${v}` : k)).join(", ");
}
