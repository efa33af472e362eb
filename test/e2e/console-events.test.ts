/**
 * The console's Events page in a real browser: newest first (GET /events?order=desc), 50 a page,
 * Next going back in time with `before` and Previous returning, every event shown once; a filter
 * by resource keeps the order; a change made meanwhile appears on top without a reload.
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleRig, type Tenant, hasChromium, startConsole, watch } from "../support/console.ts";

const SHOTS = join(tmpdir(), "vpcpeer-console-shots");

/** The positions (#) of the rows the Events table shows, top to bottom. */
const seqs = async (page: Page): Promise<number[]> =>
  (await page.getByRole("table", { name: "Events" }).locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")))).map(Number);

describe.skipIf(!hasChromium)("the console's events page", () => {
  let rig: ConsoleRig;
  let alice: Tenant;
  const vpcs: string[] = [];

  beforeAll(async () => {
    rig = await startConsole();
    alice = await rig.tenant("alice");
    // 60 VPCs in two regions (a region holds 50 at most): 60 events (vpc.created), more than a page.
    for (let i = 0; i < 60; i += 10)
      vpcs.push(...(await Promise.all(Array.from({ length: 10 }, (_, k) => rig.call(alice, "POST", "/api/v1/vpcs", { name: `e${i + k}`, region: i < 30 ? "cn-hangzhou" : "cn-shanghai", cidr: `10.${i + k}.0.0/16` })))).map((v) => v.id as string));
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it("shows the newest first, pages back in time and forward again, and puts a new event on top", async () => {
    const all: number[] = (await rig.call(alice, "GET", "/api/v1/events?limit=1000")).items.map((e: { seq: number }) => e.seq);
    expect(all).toHaveLength(60);
    const newestFirst = [...all].reverse();
    const page = await rig.open(alice, { hash: "/events", width: 1280, height: 800 });
    const table = page.getByRole("table", { name: "Events" });
    await table.locator("tbody tr").nth(49).waitFor();
    expect(await seqs(page)).toEqual(newestFirst.slice(0, 50));
    const pager = page.getByRole("navigation", { name: "Pages of Events" });
    await pager.getByText("Showing 1–50").waitFor();
    await pager.getByRole("button", { name: "Next" }).click();
    await pager.getByText("Showing 51–60 (the last)").waitFor();
    expect(await seqs(page)).toEqual(newestFirst.slice(50));
    // The page is in the address: the position it started before.
    expect(new URL(page.url()).hash).toBe(`#/events?pages=${newestFirst[49]}`);
    await pager.getByRole("button", { name: "Previous" }).click();
    await pager.getByText("Showing 1–50").waitFor();
    expect(await seqs(page)).toEqual(newestFirst.slice(0, 50));

    // Filtered by one resource: its events, newest first.
    await rig.call(alice, "PATCH", `/api/v1/vpcs/${vpcs[5]}`, { name: "renamed" });
    await page.getByRole("search", { name: "Find Events" }).getByLabel("Resource ID").fill(vpcs[5]!);
    await table.locator("tbody tr").nth(1).waitFor();
    await expect.poll(async () => (await table.locator("tbody tr td:nth-child(3)").allTextContents()).join(",")).toBe("vpc.updated,vpc.created");

    // Unfiltered again: the change made meanwhile is on top, without a reload.
    await page.getByRole("button", { name: "Clear filters" }).click();
    await table.locator("tbody tr").nth(49).waitFor();
    await expect.poll(async () => (await seqs(page))[0]).toBeGreaterThan(newestFirst[0]!);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "events-newest-first-1280x800.png") });
    watch(page).expectClean();
    await page.context().close();
  }, 120_000);
});
