/**
 * AccountService with fixed credentials, on both stores: concurrent creates of one id or key
 * leave exactly one account (the unique columns decide); an accounts file's accounts are created
 * once, verified after, and a difference writes nothing; fixed secrets are encrypted at rest.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../../test/support/harness.ts";
import { DomainError } from "../domain/errors.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
let n = 0;
/** Ids, names and keys unique to one test (the store is shared by the file's tests). */
const fresh = () => {
  n += 1;
  const tag = `${Date.now() % 1e6}${n}`.padStart(8, "0");
  return { id: `9${tag.padStart(11, "0")}`, key: `AKIATEST${tag.padStart(12, "0")}`, name: `t${tag}` };
};

describe.each(BACKENDS)("AccountService with fixed credentials on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(backend);
  });
  afterAll(() => h?.close());
  const accounts = () => h.runtime.services.accounts;
  const names = async () => (await accounts().list()).map((a) => a.name);

  it("creates with a fixed id and key; the secret is encrypted at rest and signs as given", async () => {
    const f = fresh();
    const made = await accounts().create(f.name, { id: f.id, accessKeyId: f.key, accessKeySecret: SECRET });
    expect(made).toMatchObject({ accountId: f.id, accessKeyId: f.key, accessKeySecret: SECRET, token: expect.stringMatching(/^vpt_/) });
    const row = await h.runtime.store.repos.accounts.byId(f.id);
    expect(row!.secretCiphertext).not.toContain(SECRET);
    expect((await accounts().byAccessKey(f.key))!.secret).toBe(SECRET);
  });

  it("lets exactly one of concurrent creates with the same id, or the same key, succeed, naming the field for the others", async () => {
    const f = fresh();
    const g = fresh();
    const results = await Promise.allSettled([
      ...Array.from({ length: 4 }, (_, i) => accounts().create(`${f.name}i${i}`, { id: f.id })),
      ...Array.from({ length: 4 }, (_, i) => accounts().create(`${g.name}k${i}`, { accessKeyId: g.key, accessKeySecret: SECRET })),
    ]);
    const byId = results.slice(0, 4);
    const byKey = results.slice(4);
    for (const group of [[byId, "id"], [byKey, "accessKeyId"]] as const) {
      expect(group[0].filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of group[0].filter((x): x is PromiseRejectedResult => x.status === "rejected")) {
        expect(r.reason).toBeInstanceOf(DomainError);
        expect((r.reason as DomainError).details).toEqual({ field: group[1] });
      }
    }
    await expect(accounts().create(f.name + "x", { id: "0123" })).rejects.toThrow(/id: "0123" must be an account id/);
  });

  it("ensures an accounts file's accounts: created once, then found as the file says; a difference writes nothing", async () => {
    const [a, b, c] = [fresh(), fresh(), fresh()];
    const entries = [{ name: a.name, id: a.id, accessKeyId: a.key, accessKeySecret: SECRET }, { name: b.name }];
    // Two servers starting with one file at once: both start, the accounts exist once.
    const [first, second] = await Promise.all([accounts().ensure(entries, "f"), accounts().ensure(entries, "f")]);
    expect([first.created.length, second.created.length].sort()).toEqual([0, 2]);
    expect((await accounts().ensure(entries, "f")).present).toEqual([a.name, b.name]);

    const before = await names();
    const refused = [
      [[{ name: c.name }, { ...entries[0]!, accessKeySecret: SECRET.toLowerCase() }], `f: account "${a.name}": accessKeySecret differs from the store's`],
      [[{ name: c.name }, { name: a.name, id: c.id }], `f: account "${a.name}": id is ${c.id} in the file but ${a.id} in the store`],
      [[{ name: c.name, accessKeyId: a.key, accessKeySecret: SECRET }], `f: account "${c.name}": accessKeyId ${a.key} belongs to account "${a.name}" in the store`],
      [[{ name: c.name, token: `vpt_${"z".repeat(43)}` }, { name: b.name, token: `vpt_${"z".repeat(43)}` }], `f: account "${b.name}": token differs from the store's`],
    ] as const;
    for (const [file, message] of refused) await expect(accounts().ensure(file, "f")).rejects.toThrow(message);
    expect(await names()).toEqual(before);
  });
});
