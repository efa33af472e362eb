// Types of scripts/dist.mjs for the TypeScript that imports it (tests, benchmarks).
export type Target = "server" | "console";
export const ROOT: string;
export const DIST: string;
export const TARGETS: Record<Target, { out: string; dirs: string[]; files: string[] }>;
export function sourceFingerprint(root?: string, target?: Target): string;
export function readStamp(root?: string, target?: Target): { fingerprint: string; builtAt: string; ms: number } | undefined;
export function distIsCurrent(root?: string, target?: Target): boolean;
export function compiledModule(path: string, root?: string): string | undefined;
