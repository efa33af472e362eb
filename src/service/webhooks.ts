/**
 * Webhooks: an account registers a URL and receives its events as HMAC-signed POSTs, in order,
 * retried with exponential backoff. Deliveries read the same outbox as the event list, and a
 * lease in the database lets exactly one server deliver a given webhook at a time.
 */
import { DomainError, notFound } from "../domain/errors.ts";
import type { Webhook } from "../domain/resources.ts";
import { type MasterKey, randomAlnum } from "../crypto/secrets.ts";
import { signWebhook } from "../crypto/webhook-signature.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";
import { checkQuota } from "./limits.ts";


const MAX_BACKOFF_S = 3600;

export class WebhookService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly masterKey: MasterKey,
    /** Sends one delivery; injectable so tests can observe without a network. Default: fetch with a 5 s timeout. */
    private readonly post: (url: string, body: string, headers: Record<string, string>) => Promise<number> = async (url, body, headers) =>
      (await fetch(url, { method: "POST", body, headers, signal: AbortSignal.timeout(5000), redirect: "manual" })).status,
  ) {}

  private validateUrl(url: string): string {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new DomainError("InvalidRequest", `url: "${url.slice(0, 80)}" is not a URL`, { field: "url" });
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new DomainError("InvalidRequest", "url: must be http:// or https://", { field: "url" });
    if (u.username || u.password) throw new DomainError("InvalidRequest", "url: must not carry credentials; verify the signature instead", { field: "url" });
    return u.toString();
  }

  /** Registers a webhook; its signing secret is returned once. Only events from now on are sent. */
  async create(actor: Actor, input: { url: string; eventTypes?: string[] | undefined }): Promise<Webhook & { secret: string }> {
    const url = this.validateUrl(input.url);
    const secret = `whsec_${randomAlnum(this.deps.ids.bytes, 32)}`;
    return this.deps.store.transaction(async (r) => {
      await r.accounts.lock(actor.accountId);
      checkQuota(this.deps.config.limits, "webhooksPerAccount", await r.webhooks.count(actor.accountId), "webhooks of this account");
      const now = nowIso(this.deps);
      const id = this.deps.ids.next("webhook");
      await r.webhooks.insert({
        id,
        accountId: actor.accountId,
        url,
        eventTypes: input.eventTypes ?? [],
        secretCiphertext: this.masterKey.encrypt(secret),
        cursorSeq: await r.events.lastSeq(actor.accountId),
        attempts: 0,
        nextAttemptAt: now,
        lastError: null,
        delivered: 0,
        createdAt: now,
      });
      return { ...(await this.get(actor, id)), secret };
    });
  }

  async get(actor: Actor, id: string): Promise<Webhook> {
    const w = await this.deps.store.read.webhooks.get(actor.accountId, id);
    if (!w) throw notFound("webhook", id);
    const { secretCiphertext: _s, accountId: _a, cursorSeq: _c, ...view } = w;
    return view;
  }

  async list(actor: Actor): Promise<Webhook[]> {
    return (await this.deps.store.read.webhooks.list(actor.accountId)).map(({ secretCiphertext: _s, accountId: _a, cursorSeq: _c, ...view }) => view);
  }

  async delete(actor: Actor, id: string): Promise<void> {
    if (!(await this.deps.store.repos.webhooks.delete(actor.accountId, id))) throw notFound("webhook", id);
  }

  /**
   * One delivery round: for each due webhook this server can lease, sends the pending events in
   * order until one fails (then backs off). Returns the number of deliveries made.
   */
  async dispatch(batch = 20): Promise<number> {
    const repos = this.deps.store.repos;
    const now = this.deps.clock.now();
    const nowText = now.toISOString();
    let sent = 0;
    for (const id of await repos.webhooks.due(nowText, 100)) {
      // The lease outlasts a worst-case round (batch × 5 s timeout), so no two servers deliver one webhook at once.
      const w = await repos.webhooks.lease(id, nowText, new Date(now.getTime() + batch * 5_000 + 60_000).toISOString());
      if (!w) continue;
      let { cursorSeq, attempts, delivered } = w;
      let lastError: string | null = w.lastError;
      let nextAttemptAt = nowText;
      const secret = this.masterKey.decrypt(w.secretCiphertext);
      for (const e of await repos.events.after(w.accountId, cursorSeq, batch)) {
        if (w.eventTypes.length > 0 && !w.eventTypes.includes(e.type)) {
          cursorSeq = e.seq;
          continue;
        }
        const body = JSON.stringify(e);
        let status = 0;
        try {
          status = await this.post(w.url, body, {
            "content-type": "application/json",
            "user-agent": "vpcpeer-webhooks/1",
            "x-vpcpeer-event": e.type,
            "x-vpcpeer-delivery": e.id,
            "x-vpcpeer-signature": signWebhook(secret, body, Math.floor(Date.now() / 1000)),
          });
        } catch (err) {
          lastError = `${(err as Error).name}: ${(err as Error).message}`.slice(0, 500);
        }
        if (status >= 200 && status < 300) {
          cursorSeq = e.seq;
          delivered++;
          sent++;
          attempts = 0;
          lastError = null;
          continue;
        }
        if (status) lastError = `HTTP ${status}`;
        attempts++;
        nextAttemptAt = new Date(now.getTime() + Math.min(2 ** attempts, MAX_BACKOFF_S) * 1000).toISOString();
        break;
      }
      await repos.webhooks.release(id, { cursorSeq, attempts, nextAttemptAt, lastError, delivered });
    }
    return sent;
  }
}
