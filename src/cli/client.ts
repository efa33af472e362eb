/** A small client of the native API, used by the CLI (and usable by scripts). */
import { randomUUID } from "node:crypto";
import { ApiError } from "./api-error.ts";

export { ApiError };

export class ApiClient {
  constructor(
    readonly endpoint: string,
    private readonly token: string | undefined,
  ) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.token) {
      throw new ApiError(401, "Unauthenticated", "no token: pass --token, set VPCPEER_TOKEN, or run `vpcpeer configure --token …`");
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    // Every POST carries a fresh Idempotency-Key, so retrying after a lost connection never duplicates.
    if (method === "POST") headers["idempotency-key"] = randomUUID();
    let res: Response | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await fetch(`${this.endpoint}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
        break;
      } catch (e) {
        const retryable = method !== "PATCH" && attempt < 3;
        if (!retryable) {
          throw new ApiError(0, "ConnectionFailed", `cannot reach ${this.endpoint}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* non-JSON body */
    }
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)?.error;
      throw new ApiError(res.status, err?.code ?? `Http${res.status}`, err?.message ?? (text || res.statusText), err?.details ?? {});
    }
    return parsed as T;
  }

  /** Reads a server-sent event stream and yields each event's JSON data. */
  async *stream(path: string): AsyncGenerator<unknown> {
    const res = await fetch(`${this.endpoint}${path}`, { headers: { authorization: `Bearer ${this.token ?? ""}`, accept: "text/event-stream" } });
    if (!res.ok || !res.body) {
      const text = await res.text();
      let err: { code?: string; message?: string } | undefined;
      try {
        err = (JSON.parse(text) as { error?: typeof err }).error;
      } catch {
        /* not JSON */
      }
      throw new ApiError(res.status, err?.code ?? `Http${res.status}`, err?.message ?? text);
    }
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split("\n")
          .filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6))
          .join("\n");
        if (data) yield JSON.parse(data);
      }
    }
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  /** Follows nextCursor until the end (or `max` items). */
  async listAll<T>(path: string, query: URLSearchParams, max = Infinity): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams(query);
      if (cursor) q.set("cursor", cursor);
      const page: { items: T[]; nextCursor: string | null } = await this.get(`${path}?${q.toString()}`);
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && out.length < max);
    return out.slice(0, max);
  }
}
