/** The console's client of the native API: same origin, bearer token, one error shape. */

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

import { ApiError } from "../../src/cli/api-error.ts";

export { ApiError };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const TOKEN_KEY = "vpcpeer.token";

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Turns any failed response into an ApiError carrying the API's stable code and message. */
export async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: ApiErrorBody };
    if (body.error?.code) return new ApiError(res.status, body.error.code, body.error.message, body.error.details ?? {});
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, `HTTP${res.status}`, text.slice(0, 200) || res.statusText);
}

let idempotencySeq = 0;

/** One API call. POSTs carry an Idempotency-Key, so a retried click never creates twice. */
export async function api<T = unknown>(method: string, path: string, body?: unknown, token = session.token()): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method === "POST") headers["idempotency-key"] = `console-${Date.now().toString(36)}-${(idempotencySeq++).toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (e) {
    throw new ApiError(0, "NetworkError", `the server did not answer (${(e as Error).message})`);
  }
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Every page of a list, pages of 1000: only for what must count everything (the overview). */
export async function listAll<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null | undefined;
  do {
    const q = new URLSearchParams({ limit: "1000" });
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, v);
    if (cursor) q.set("cursor", cursor);
    const page = await api<Page<T>>("GET", `${path}?${q}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Up to 1000 of a list in one request: a picker's options (the VPCs to filter by), not a table. */
export async function firstPage<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T[]> {
  const q = new URLSearchParams({ limit: "1000" });
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, v);
  return (await api<Page<T>>("GET", `${path}?${q}`)).items;
}
