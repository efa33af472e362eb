/** Facts about the store itself (e.g. which master key encrypts its secrets). */
import type { Db } from "./common.ts";

export class MetaRepo {
  constructor(private readonly db: Db) {}

  async get(key: string): Promise<string | null> {
    const row = await this.db.selectFrom("meta").select("value").where("key", "=", key).executeTakeFirst();
    return row?.value ?? null;
  }

  /** Sets the value unless one is already there; returns the value in force. */
  async setOnce(key: string, value: string): Promise<string> {
    await this.db.insertInto("meta").values({ key, value }).onConflict((oc) => oc.column("key").doNothing()).execute();
    return (await this.get(key))!;
  }
}
