/**
 * Resource ids and their textual forms. An id is a prefix naming its kind and a random suffix of
 * lowercase letters and digits, like the clouds' own (`vpc-2zeabc123def`); account ids are numeric
 * strings, as Tencent's Uin and Alibaba's owner id are.
 */

export const ID_PREFIXES = {
  vpc: "vpc",
  subnet: "subnet",
  routeTable: "rtb",
  route: "rt",
  vbr: "vbr",
  instance: "ins",
  peering: "pcx",
  routerInterface: "ri",
  securityGroup: "sg",
  securityGroupRule: "sgr",
  event: "evt",
  webhook: "whk",
  ledgerEntry: "led",
  /** AWS Reachability Analyzer paths and analyses (the AWS face stores them). */
  networkInsightsPath: "nip",
  networkInsightsAnalysis: "nia",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export const ID_SUFFIX_LENGTH = 12;
const SUFFIX = `[a-z0-9]{${ID_SUFFIX_LENGTH}}`;

/** Regular expression source (anchored) matching ids of one kind; used by API schemas. */
export function idPattern(kind: IdKind): string {
  return `^${ID_PREFIXES[kind]}-${SUFFIX}$`;
}

export function isId(kind: IdKind, text: string): boolean {
  return new RegExp(idPattern(kind)).test(text);
}

/** Which kind an id names, from its prefix; null for text that is no id of ours. */
export function kindOfId(text: string): IdKind | null {
  for (const [kind, prefix] of Object.entries(ID_PREFIXES) as [IdKind, string][]) {
    if (text.startsWith(`${prefix}-`) && isId(kind, text)) return kind;
  }
  return null;
}

/** Account ids: 12 digits, no leading zero, far below 2^53 so SDKs that parse them as numbers keep them exact. */
export const ACCOUNT_ID_PATTERN = "^[1-9][0-9]{11,15}$";

export function isAccountId(text: string): boolean {
  return new RegExp(ACCOUNT_ID_PATTERN).test(text) && Number(text) < 2 ** 53;
}
