/**
 * The web console under test: a real `vpcpeer serve` serving the console's build, tenants made by
 * the CLI, and Debian's chromium driven by playwright-core, one browser context per signed-in tab.
 */
import { existsSync } from "node:fs";
import { type Browser, type Locator, type Page, chromium } from "playwright-core";
import { type ServerProcess, runCli, startServer, tempDir } from "./process.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

export interface Tenant {
  accountId: string;
  token: string;
}

export interface ConsoleRig {
  server: ServerProcess;
  /** The server's store directory (--data). */
  data: string;
  browser: Browser;
  tenant(name: string): Promise<Tenant>;
  /** The native API as `t`: JSON back (undefined for an empty answer). */
  call(t: Tenant, method: string, path: string, body?: unknown): Promise<any>;
  /** A fresh browser session (its own sessionStorage) signed in as `t`, on the overview or at `hash`. */
  open(t: Tenant, opts?: { hash?: string; width?: number; height?: number }): Promise<Page>;
  stop(): Promise<void>;
}

/** Starts a server (extra `serve` args) and a browser; stop() ends both and removes their files. */
export async function startConsole(args: string[] = []): Promise<ConsoleRig> {
  const data = tempDir("vpcpeer-console-");
  const home = tempDir("vpcpeer-console-home-");
  // The server and the browser start side by side (each takes seconds); neither is left running
  // when the other fails to start.
  const [started, launched] = await Promise.allSettled([startServer(["--data", data.path, ...args]), chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] })]);
  if (started.status === "rejected" || launched.status === "rejected") {
    if (started.status === "fulfilled") await started.value.kill();
    if (launched.status === "fulfilled") await launched.value.close();
    data.remove();
    home.remove();
    throw started.status === "rejected" ? started.reason : (launched as PromiseRejectedResult).reason;
  }
  const server = started.value;
  const browser = launched.value;
  return {
    server,
    data: data.path,
    browser,
    tenant: async (name) => JSON.parse((await runCli(["account", "create", "--name", name, "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout),
    call: async (t, method, path, body) => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${t.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return text ? JSON.parse(text) : undefined;
    },
    open: async (t, opts = {}) => {
      const context = await browser.newContext(opts.width ? { viewport: { width: opts.width, height: opts.height ?? 800 } } : {});
      const page = await context.newPage();
      watch(page);
      page.setDefaultTimeout(15_000);
      page.on("dialog", (d) => void d.accept());
      await page.goto(`${server.url}/console/${opts.hash ? `#${opts.hash}` : ""}`);
      await page.getByLabel("Access token").fill(t.token);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.locator("main h2").first().waitFor();
      return page;
    },
    async stop() {
      await browser.close();
      await server.stop();
      data.remove();
      home.remove();
    },
  };
}

export const form = (page: Page, title: string): Locator => page.getByRole("form", { name: title });

/** Follows a link of the navigation bar and waits for the page's heading. */
export async function go(page: Page, link: string, heading: string): Promise<void> {
  await page.getByRole("navigation").getByRole("link", { name: link }).click();
  await page.getByRole("heading", { name: heading }).first().waitFor();
}

/** The id of the row of `table` that shows `text`, once it appears. */
export async function rowId(page: Page, table: string, text: string): Promise<string> {
  const r = page.getByRole("table", { name: table }).locator("tbody tr", { hasText: text });
  await r.first().waitFor();
  return (await r.first().getAttribute("data-id"))!;
}

export const row = (page: Page, table: string, id: string): Locator => page.getByRole("table", { name: table }).locator(`tr[data-id="${id}"]`);

export async function createVpc(page: Page, name: string, region: string, cidr: string): Promise<string> {
  await go(page, "VPCs", "VPCs");
  const f = form(page, "Create a VPC");
  await f.getByLabel("Name").fill(name);
  await f.getByLabel("Region").selectOption(region);
  await f.getByLabel("IPv4 CIDR").fill(cidr);
  await f.getByRole("button", { name: "Create" }).click();
  return rowId(page, "VPCs", cidr);
}

/** What went wrong in a page: console errors, uncaught exceptions, failed requests, answers ≥ 400. */
export interface PageWatch {
  problems: string[];
  /** Fails the test with every problem recorded that matches none of `expected` (nor what `allow` added). */
  expectClean(expected?: RegExp[]): void;
  /** From now on, problems matching `pattern` are expected (a refusal the test provokes). */
  allow(pattern: RegExp): void;
}

const watches = new WeakMap<Page, PageWatch>();

/**
 * Records a page's problems from now on (rig.open watches every page it opens): console errors,
 * page errors, requests that failed, and API answers with a status of 400 or more.
 */
export function watch(page: Page): PageWatch {
  const known = watches.get(page);
  if (known) return known;
  const problems: string[] = [];
  const allowed: RegExp[] = [];
  page.on("console", (m) => {
    // Chromium also logs each answer ≥ 400 ("Failed to load resource: the server responded with a
    // status of 404"): the response below records it, with its method, once.
    if (m.type() === "error" && !/^Failed to load resource: the server responded with a status of \d+/.test(m.text())) problems.push(`console error: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => {
    // The event stream is ended by the page when it closes or signs out: not a failure.
    const error = r.failure()?.errorText ?? "";
    if (error === "net::ERR_ABORTED" && r.url().includes("/api/v1/events/stream")) return;
    problems.push(`request failed: ${r.method()} ${r.url()} ${error}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  const w: PageWatch = {
    problems,
    allow: (pattern) => void allowed.push(pattern),
    expectClean(expected = []) {
      const unexpected = problems.filter((p) => ![...allowed, ...expected].some((re) => re.test(p)));
      if (unexpected.length > 0) throw new Error(`the page had problems:\n${unexpected.join("\n")}`);
    },
  };
  watches.set(page, w);
  return w;
}
