// Types of scripts/dist.mjs for the TypeScript that imports it (tests, benchmarks).
export const ROOT: string;
export const DIST: string;
export const STAMP: string;
export function sourceFingerprint(root?: string): string;
export function readStamp(root?: string): { fingerprint: string; builtAt: string; ms: number } | undefined;
export function distIsCurrent(root?: string): boolean;
export function compiledModule(path: string, root?: string): string | undefined;
