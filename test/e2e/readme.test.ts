/**
 * The README's walkthroughs, run verbatim through the real CLI against a real server: every
 * `sh` block from "A first tenant" on, command by command. Placeholders are substituted with what
 * earlier commands printed: `# → vpc-A` binds vpc-A to the first vpc- id the command printed
 * (a second placeholder of the same kind to the second id, …); `<bob's account id>` and `vpt_…`
 * (after `--profile bob`) come from `account create --name bob`. A placeholder no earlier command
 * printed, or a command that fails, fails the test. The "Real packets" section runs with the
 * data plane on (root; under this test's own namespace prefix, which is the only change made to
 * the commands: `--netns-prefix` on `dataplane …`); `dataplane down` runs after the server stops.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces, run } from "../../src/dataplane/kernel.ts";
import { isRoot, removeNamespaces, testPrefix } from "../support/netns.ts";
import { type CliResult, type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

interface Command {
  section: string;
  line: string;
  args: string[];
  /** Placeholders the command prints (after `# →`). */
  prints: string[];
}

const PLACEHOLDER = /\b(vpc|subnet|rtb|vbr|ins|pcx|ri)-[A-Z][A-Za-z]*\b/g;

/** Words of a shell command line (quotes, no expansions), and its comment. */
function splitShell(line: string): { words: string[]; comment: string } {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unbalanced quote in: ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "#" && word === null) {
      return { words, comment: line.slice(i + 1).trim() };
    } else word = (word ?? "") + c;
  }
  if (word !== null) words.push(word);
  return { words, comment: "" };
}

/** The commands of every `sh` block from the heading `from` on, with the section each sits in. */
function readmeCommands(markdown: string, from: string): Command[] {
  const text = markdown.slice(markdown.indexOf(from));
  const out: Command[] = [];
  let section = "";
  let inBlock = false;
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!inBlock && line.startsWith("## ")) section = line.slice(3);
    if (line.startsWith("```")) {
      inBlock = !inBlock && line === "```sh";
      continue;
    }
    if (!inBlock || line === "" || line.startsWith("#")) continue;
    if (line.endsWith("\\")) {
      pending += line.slice(0, -1) + " ";
      continue;
    }
    const full = pending + line;
    pending = "";
    // `<bob's account id>` is one placeholder word (not shell: it has a space and a quote).
    const { words, comment } = splitShell(full.replace(/<(\w+)'s account id>/g, "@account:$1@"));
    const arrow = comment.indexOf("→");
    out.push({ section, line: full, args: words, prints: arrow < 0 ? [] : [...comment.slice(arrow).matchAll(PLACEHOLDER)].map((m) => m[0]) });
  }
  return out;
}

describe("README walkthroughs", () => {
  const work = tempDir("vpcpeer-readme-");
  const home = tempDir("vpcpeer-readme-home-");
  const prefix = testPrefix();
  // Namespaces that are not this deployment's: `dataplane down` must leave them alone.
  const decoys = [`${prefix}-r-notanid`, `${prefix}x-r-aaaaaaaaaaaa`];
  let server: ServerProcess;

  beforeAll(async () => {
    // `npm start` serves the store in ./data, where `account create` opens it too.
    server = await startServer(["--data", join(work.path, "data"), ...(isRoot ? ["--dataplane", "linux", "--netns-prefix", prefix] : [])]);
    if (isRoot) for (const d of decoys) await run("ip", ["netns", "add", d]);
  });
  afterAll(async () => {
    await server?.stop();
    if (isRoot) {
      await removeNamespaces(prefix);
      for (const d of decoys) await run("ip", ["netns", "del", d]);
    }
    work.remove();
    home.remove();
  });

  it("parses the walkthroughs into commands with placeholders", () => {
    const cmds = readmeCommands(readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8"), "## A first tenant");
    expect(cmds.length).toBeGreaterThan(35);
    expect(cmds.filter((c) => c.prints.length > 0).length).toBeGreaterThan(15);
    expect(cmds.some((c) => c.args.join(" ") === "npx vpcpeer --profile alice whoami")).toBe(true);
  });

  it("runs every command of the walkthroughs verbatim", async () => {
    const cmds = readmeCommands(readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8"), "## A first tenant");
    const ids = new Map<string, string>();
    const accounts = new Map<string, { accountId: string; token: string }>();
    const env: Record<string, string> = {};
    let ran = 0;
    for (const cmd of cmds) {
      if (cmd.args[0] === "export") {
        const [k, v] = cmd.args[1]!.split("=");
        env[k!] = v!;
        continue;
      }
      expect(cmd.args.slice(0, 2), cmd.line).toEqual(["npx", "vpcpeer"]);
      if (cmd.section.startsWith("Real packets") && !isRoot) continue;
      const profile = cmd.args.includes("--profile") ? cmd.args[cmd.args.indexOf("--profile") + 1]! : undefined;
      const args = cmd.args.slice(2).map((w) =>
        w
          .replace(PLACEHOLDER, (p) => ids.get(p) ?? `<unbound ${p}>`)
          .replace(/^@account:(\w+)@$/, (_, who: string) => accounts.get(who)?.accountId ?? `<no account ${who}>`)
          .replace(/^vpt_…$/, () => accounts.get(profile ?? "")?.token ?? "<no token>"),
      );
      const unbound = args.filter((a) => /<|…/.test(a));
      expect(unbound, `${cmd.line}: placeholders no earlier command printed`).toEqual([]);
      if (args[0] === "dataplane") {
        // The server would rebuild what `down` removes: the README says to stop it first.
        await server.stop();
        args.push("--netns-prefix", prefix);
      }
      const exec = () => runCli(args, { ...env, XDG_CONFIG_HOME: home.path, VPCPEER_ENDPOINT: server.url }, work.path);
      let r: CliResult = await exec();
      // A probe right after an instance is created may beat the data plane to it; a person typing
      // the next command gives it the same seconds.
      for (let i = 0; i < 30 && args[0] === "probe" && r.code !== 0; i++) {
        await new Promise((done) => setTimeout(done, 500));
        r = await exec();
      }
      // stderr may carry a live status line (peering accept waits); never an error.
      expect({ line: cmd.line, code: r.code, error: /error/i.test(r.stderr) ? r.stderr : "" }).toEqual({ line: cmd.line, code: 0, error: "" });
      ran++;
      if (args[0] === "account" && args[1] === "create") accounts.set(args[args.indexOf("--name") + 1]!, JSON.parse(r.stdout));
      // Bind what the command printed, in order, per kind.
      const seen = new Map<string, string[]>();
      for (const m of r.stdout.matchAll(/\b(vpc|subnet|rtb|vbr|ins|pcx|ri)-[a-z0-9]{12}\b/g)) {
        const list = seen.get(m[1]!) ?? [];
        if (!list.includes(m[0])) list.push(m[0]);
        seen.set(m[1]!, list);
      }
      const taken = new Map<string, number>();
      for (const p of cmd.prints) {
        const kind = p.slice(0, p.indexOf("-"));
        const n = taken.get(kind) ?? 0;
        const id = seen.get(kind)?.[n];
        expect(id, `${cmd.line}: prints no ${kind}- id for ${p}\n${r.stdout}`).toBeDefined();
        ids.set(p, id!);
        taken.set(kind, n + 1);
      }
      if (args[0] === "probe" && !args.includes("--throughput")) expect(r.stdout).toMatch(/reachable\s+true/);
      // The README's figure: about 10 Mbit/s once the peering is capped at 10.
      if (args.includes("--throughput")) {
        const mbps = JSON.parse(r.stdout).throughputMbps as number;
        expect(mbps).toBeGreaterThan(5);
        expect(mbps).toBeLessThan(11);
      }
    }
    expect(ran).toBe(cmds.filter((c) => c.args[0] !== "export" && (isRoot || !c.section.startsWith("Real packets"))).length);
    if (isRoot) {
      expect(await listNamespaces(prefix)).toEqual([]);
      const left = (await run("ip", ["-j", "netns", "list"])).stdout;
      for (const d of decoys) expect(left).toContain(`"${d}"`);
    }
  }, 300_000);
});
