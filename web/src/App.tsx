/** The console: sign in with a tenant's token, then pages over the native API. */
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, api, session } from "./api.ts";
import { BillingPage, EventsPage, OverviewPage, WebhooksPage } from "./pages/account.tsx";
import { PeeringDetailPage } from "./pages/peering-detail.tsx";
import { PeeringsPage } from "./pages/peerings.tsx";
import { RouterInterfaceDetailPage } from "./pages/router-interface-detail.tsx";
import { RouterInterfacesPage } from "./pages/router-interfaces.tsx";
import { SecurityGroupPage, SecurityGroupsPage } from "./pages/security-groups.tsx";
import { TopologyPage } from "./pages/topology.tsx";
import { VbrsPage, VpcPage, VpcsPage } from "./pages/vpcs.tsx";
import { type ReceivedRequest, type StreamEvent, bannerLines, followRequests } from "./request-banner.ts";
import { useHashQuery } from "./list.tsx";
import { followEvents } from "./sse.ts";
import type { Account, Region } from "./types.ts";
import { App as AppContext, type AppState, ErrorBox, asApiError, useTimerAt } from "./ui.tsx";

const PAGES: Array<{ path: string; label: string }> = [
  { path: "/", label: "Overview" },
  { path: "/topology", label: "Topology" },
  { path: "/vpcs", label: "VPCs" },
  { path: "/security-groups", label: "Security groups" },
  { path: "/vbrs", label: "VBRs" },
  { path: "/peerings", label: "Peering connections" },
  { path: "/router-interfaces", label: "Router interfaces" },
  { path: "/billing", label: "Billing" },
  { path: "/events", label: "Events" },
  { path: "/webhooks", label: "Webhooks" },
];

function SignIn({ onSignedIn, error }: { onSignedIn: (token: string) => void; error: ApiError | undefined }): ReactNode {
  const [token, setToken] = useState("");
  return (
    <main className="signin">
      <h1>vpcpeer console</h1>
      <form
        className="card"
        aria-label="Sign in"
        onSubmit={(e) => {
          e.preventDefault();
          onSignedIn(token.trim());
        }}
      >
        <label>
          <span>Access token</span>
          <input name="token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} placeholder="the token `vpcpeer account create` printed" />
        </label>
        <button type="submit">Sign in</button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}

export function App(): ReactNode {
  const [account, setAccount] = useState<Account>();
  const [regions, setRegions] = useState<Region[]>([]);
  const [signInError, setSignInError] = useState<ApiError>();
  const [tick, setTick] = useState(0);
  const [live, setLive] = useState<"connecting" | "live" | "reconnecting">("connecting");
  const [requests, setRequests] = useState<ReceivedRequest[]>([]);
  const hash = useHashQuery().path;
  // One refresh for a burst: what asks within 100 ms of the first ask is served by the same tick.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refresh = useCallback(() => {
    if (pending.current !== undefined) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      setTick((t) => t + 1);
    }, 100);
  }, []);

  const signIn = useCallback(async (token: string) => {
    try {
      const me = await api<Account>("GET", "/api/v1/account", undefined, token);
      const rs = await api<{ items: Region[] }>("GET", "/api/v1/regions", undefined, token);
      session.set(token);
      setRegions(rs.items);
      setAccount(me);
      setSignInError(undefined);
    } catch (e) {
      session.clear();
      setSignInError(asApiError(e));
    }
  }, []);

  useEffect(() => {
    const saved = session.token();
    if (saved) void signIn(saved);
  }, [signIn]);

  // Live, by events only: every event of the account refreshes what is shown (coalesced), a
  // reconnected stream resumes after the last event seen and resyncs everything shown; a request
  // sent to you is announced, and the banner follows it until it is no longer pending.
  useEffect(() => {
    const token = session.token();
    if (!account || !token) return;
    const abort = new AbortController();
    let connectedBefore = false;
    setRequests([]);
    void followEvents(
      token,
      (m) => {
        if (m.event.startsWith("peering.")) {
          try {
            const e = JSON.parse(m.data) as StreamEvent;
            setRequests((rs) => followRequests(rs, { type: m.event, resourceId: String(e.resourceId ?? ""), data: e.data ?? {} }));
          } catch {
            /* not an event of ours: nothing to follow */
          }
        }
        refresh();
      },
      (connected) => {
        setLive(connected ? "live" : "reconnecting");
        if (connected && connectedBefore) refresh();
        connectedBefore ||= connected;
      },
      abort.signal,
    );
    return () => abort.abort();
  }, [account, refresh]);

  // The banner says "expired" once a request's deadline passes: a timer, not a poll.
  useTimerAt(
    requests.filter((r) => r.outcome === undefined).map((r) => r.expiresAt),
    refresh,
  );

  const state: AppState | undefined = useMemo(() => (account ? { account, regions, tick, refresh } : undefined), [account, regions, tick, refresh]);
  if (!state) return <SignIn onSignedIn={signIn} error={signInError} />;

  const banner = bannerLines(requests, new Date());
  const vpc = /^\/vpcs\/(vpc-[a-z0-9]+)$/.exec(hash);
  const peering = /^\/peerings\/(pcx-[a-z0-9]+)$/.exec(hash);
  const ri = /^\/router-interfaces\/(ri-[a-z0-9]+)$/.exec(hash);
  const sg = /^\/security-groups\/(sg-[a-z0-9]+)$/.exec(hash);
  const page = vpc ? (
    <VpcPage key={vpc[1]} id={vpc[1]!} />
  ) : peering ? (
    <PeeringDetailPage key={peering[1]} id={peering[1]!} />
  ) : ri ? (
    <RouterInterfaceDetailPage key={ri[1]} id={ri[1]!} />
  ) : sg ? (
    <SecurityGroupPage key={sg[1]} id={sg[1]!} />
  ) : hash === "/security-groups" ? (
    <SecurityGroupsPage />
  ) : hash === "/topology" ? (
    <TopologyPage />
  ) : hash === "/vpcs" ? (
    <VpcsPage />
  ) : hash === "/vbrs" ? (
    <VbrsPage />
  ) : hash === "/peerings" ? (
    <PeeringsPage />
  ) : hash === "/router-interfaces" ? (
    <RouterInterfacesPage />
  ) : hash === "/billing" ? (
    <BillingPage />
  ) : hash === "/events" ? (
    <EventsPage />
  ) : hash === "/webhooks" ? (
    <WebhooksPage />
  ) : (
    <OverviewPage />
  );
  const here = (p: string) => hash === p || (p === "/vpcs" && vpc) || (p === "/peerings" && peering) || (p === "/router-interfaces" && ri) || (p === "/security-groups" && sg);
  return (
    <AppContext.Provider value={state}>
      <a className="skip" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById("main")?.focus();
      }}>
        Skip to content
      </a>
      <header>
        <strong>vpcpeer</strong>
        <nav aria-label="Pages">
          {PAGES.map((p) => (
            <a key={p.path} href={`#${p.path}`} aria-current={here(p.path) ? "page" : undefined}>
              {p.label}
            </a>
          ))}
        </nav>
        <span className="who">
          <span aria-live="polite" className={`live ${live}`} title="Live updates from the event stream">
            <span className="dot" aria-hidden="true" />
            {LIVE_TEXT[live]}
          </span>
          <span className="account">
            {state.account.name} · {state.account.id}
          </span>
          <button
            type="button"
            onClick={() => {
              session.clear();
              setAccount(undefined);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      {banner.length > 0 && (
        <div className="notice" role="status" aria-label="Peering requests">
          {banner.map((l) => (
            <div key={l.id}>{l.text}</div>
          ))}
          {banner.some((l) => l.waiting) && <a href="#/">Review</a>}{" "}
          <button type="button" onClick={() => setRequests([])}>
            Dismiss
          </button>
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </AppContext.Provider>
  );
}

const LIVE_TEXT = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" } as const;
