/**
 * Where tenant commands find their endpoint and token: flags, then VPCPEER_ENDPOINT/VPCPEER_TOKEN,
 * then a named profile in ~/.config/vpcpeer/profiles.json (VPCPEER_PROFILES to move it).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface Profile {
  endpoint?: string;
  token?: string;
}

export const DEFAULT_ENDPOINT = "http://127.0.0.1:8080";

export function profilesFile(): string {
  return process.env.VPCPEER_PROFILES || join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "vpcpeer", "profiles.json");
}

export function readProfiles(): Record<string, Profile> {
  const file = profilesFile();
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, Profile>;
  } catch (e) {
    throw new Error(`cannot read profiles file ${file}: ${(e as Error).message}`);
  }
}

export function saveProfile(name: string, profile: Profile): string {
  const file = profilesFile();
  const all = readProfiles();
  all[name] = { ...all[name], ...profile };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(all, null, 2) + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export interface CredentialFlags {
  endpoint?: string;
  token?: string;
  profile?: string;
}

export function resolveCredentials(flags: CredentialFlags): { endpoint: string; token: string | undefined } {
  const profileName = flags.profile ?? process.env.VPCPEER_PROFILE ?? "default";
  const profiles = readProfiles();
  const profile = profiles[profileName];
  if (flags.profile && !profile) throw new Error(`--profile: no profile "${flags.profile}" in ${profilesFile()} (create it with \`vpcpeer configure\`)`);
  const endpoint = flags.endpoint ?? process.env.VPCPEER_ENDPOINT ?? profile?.endpoint ?? DEFAULT_ENDPOINT;
  const token = flags.token ?? process.env.VPCPEER_TOKEN ?? profile?.token;
  return { endpoint: endpoint.replace(/\/+$/, ""), token };
}
