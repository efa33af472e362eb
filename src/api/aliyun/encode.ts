/** Alibaba's percent-encoding (RFC 3986): encodeURIComponent plus `!'()*`; `~` stays. */
export function aliEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Timestamps as the SDKs send them: `YYYY-MM-DDThh:mm:ssZ` (milliseconds tolerated). */
export function parseAliTime(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(text)) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}

/** How far a request's time may be from the server's, either way (Alibaba: 15 minutes). */
export const MAX_SKEW_MS = 15 * 60 * 1000;
