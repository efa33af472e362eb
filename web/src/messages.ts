/**
 * The API's errors in words for people: one plain sentence per problem, naming the field as the
 * console's forms label it ("Peer VPC ID must be a VPC ID like vpc-…"), and the stable code kept
 * apart (ErrorBox shows it small). Pure, for unit tests.
 */

/** What the sentence is made from: an ApiError's status, code, message and details. */
export interface ErrorLike {
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/** Field names (the last part of the API's path, or the whole path) as the forms label them. */
const LABELS: Record<string, string> = {
  cidr: "IPv4 CIDR",
  vpcId: "VPC ID",
  peerVpcId: "Peer VPC ID",
  peerAccountId: "Peer account ID",
  peerRegion: "Peer region",
  bandwidthMbps: "Bandwidth (Mbps)",
  chargeType: "Billing",
  period: "Validity (months)",
  autoRenew: "Auto renew",
  routeTableId: "Route table",
  routeTableIds: "Route tables",
  subnetId: "Subnet",
  destinationCidr: "Destination",
  "target.id": "Target ID",
  "target.type": "Target type",
  privateIp: "Private IP",
  onPremisesCidrs: "On-premises CIDRs",
  routerId: "Local router",
  "opposite.routerId": "Peer router ID",
  "opposite.accountId": "Peer account ID",
  "opposite.interfaceId": "Peer interface ID",
  "opposite.region": "Peer region",
  "opposite.routerType": "Peer router type",
  routerType: "Router type",
  fromInstanceId: "From",
  toIp: "To IP",
  url: "URL",
  eventTypes: "Event types",
  q: "Search",
  limit: "Page size",
  cursor: "Page position",
  id: "ID",
  // A security group rule's fields (rules[i].… / rule.…, the rule editor's labels).
  "peer.cidr": "Peer CIDR",
  "peer.securityGroupId": "Peer group ID",
  "peer.accountId": "Peer group's account",
  icmpType: "ICMP type",
  icmpCode: "ICMP code",
  securityGroupIds: "Security groups",
};

/** "body.opposite.routerId" → "Peer router ID"; unknown names become words ("fooBarId" → "Foo bar ID"). */
export function fieldLabel(field: string): string {
  if (/^(body\.)?rules?(\[\d+\])?$/.test(field)) return "Rule";
  const path = field.replace(/^(body|querystring|params|headers)\./, "").replace(/^rules?(?:\[\d+\])?\./, "");
  const exact = LABELS[path];
  if (exact) return exact;
  if (path.startsWith("tags.") || path === "tags") return path === "tags" ? "Tags" : `Tag ${path.slice(5)}`;
  const last = path.split(".").pop() ?? path;
  if (LABELS[last]) return LABELS[last];
  const words = last
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/\bId\b/g, "ID")
    .replace(/\bIp\b/g, "IP")
    .replace(/\bCidr(s?)\b/g, "CIDR$1")
    .toLowerCase()
    .replace(/\bid\b/g, "ID")
    .replace(/\bip\b/g, "IP")
    .replace(/\bcidr(s?)\b/g, "CIDR$1")
    .replace(/\bvpc\b/g, "VPC");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** An id pattern (`^vpc-[a-z0-9]{12}$`, alternatives too) as "vpc-…"; null for any other pattern. */
export function patternExample(pattern: string): string | null {
  const body = pattern.replace(/^\^/, "").replace(/\$$/, "");
  const alternatives = /^\(([^()]*)\)$/.test(body) ? body.slice(1, -1).split("|") : [body];
  const out: string[] = [];
  for (const alt of alternatives) {
    const id = /^(?:\(([a-z|]+)\)|([a-z]+))-\[a-z0-9\](?:\{\d+(?:,\d*)?\}|\+|\*)$/.exec(alt);
    if (!id) return null;
    for (const prefix of (id[1] ?? id[2]!).split("|")) out.push(`${prefix}-…`);
  }
  return out.length === 0 ? null : out.length === 1 ? out[0]! : `${out.slice(0, -1).join(", ")} or ${out.at(-1)}`;
}

/** The reason part rewritten: "a VPC id like vpc-…" → "a VPC ID like vpc-…", raw patterns → "look like …". */
function reasonWords(reason: string): string {
  let r = reason.trim();
  const raw = /^must match (?:the )?pattern "?([^"]+?)"?(\s+\(got .*\))?$/.exec(r);
  if (raw) {
    const example = patternExample(raw[1]!);
    r = example ? `must look like ${example}${raw[2] ?? ""}` : `is not in the expected form${raw[2] ?? ""}`;
  }
  r = r
    .replace(/\bids? (?:like|such as)\b/g, (m) => m.replace("id", "ID"))
    .replace(/\(got ("[^"]*"|[^)]*)\)/, "(you entered $1)")
    .replace(/^is not a known field \(known fields: [^)]*\)$/, "is not something this request accepts");
  return r;
}

/** "Peer VPC ID must …." from a field and its reason. */
function sentence(field: string | undefined, reason: string): string {
  const r = reasonWords(reason);
  const text = field ? `${fieldLabel(field)} ${r}` : r;
  return finish(text);
}

/** Capital first letter, one full stop at the end. */
function finish(text: string): string {
  const t = text.trim();
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/** Verbs a "<field>: <rest>" message may continue with, read as one sentence ("URL must be …"). */
const CONTINUES = /^(must|is|are|was|has|have|only|cannot|can|may|should|needs?|contradicts|\d)/;

/** The plain sentences of an API error (one per problem; schema errors may have several). */
export function errorSentences(e: ErrorLike): string[] {
  if (e.status === 0 && e.code === "NetworkError") return ["The server did not answer. Check the connection; the console reconnects by itself once it is back."];
  if (e.code === "Unauthenticated") return ["This access token was not accepted. Paste the token that `vpcpeer account create` printed (a rotated token no longer works)."];
  if (e.code === "InternalError" || e.status >= 500) return [finish(`The server failed (HTTP ${e.status || 500}): ${e.message}`), "Try again; the server's log says more."];
  if (e.code === "SecurityGroupVersionMismatch") return [`The group's rules changed since you opened this rule (they are now at version ${String(e.details.version ?? "?")}); nothing was written. Look at them again as shown, then edit again.`];
  const issues = Array.isArray(e.details.issues) ? (e.details.issues as Array<{ field?: unknown; reason?: unknown }>) : [];
  const described = issues.filter((i) => typeof i.field === "string" && typeof i.reason === "string");
  if (described.length > 0) return [...new Set(described.map((i) => sentence(i.field as string, i.reason as string)))];
  // Schema-like "<field> must …" with the field in details, or the API's "<field>: <what>" messages.
  const field = typeof e.details.field === "string" ? e.details.field : undefined;
  if (field && e.message.startsWith(`${field} `)) return [sentence(field, e.message.slice(field.length + 1))];
  const prefixed = /^([A-Za-z][\w.[\]]*(?:\.[\w-]+)*): (.+)$/s.exec(e.message);
  if (prefixed && !/\s/.test(prefixed[1]!)) {
    const [, name, rest] = prefixed as unknown as [string, string, string];
    return [CONTINUES.test(rest) ? sentence(name, rest) : finish(`${fieldLabel(name)}: ${reasonWords(rest)}`)];
  }
  return [finish(nouns(e.message))];
}

/** Resource nouns at the start of a message as people write them ("vpc vpc-1 …" → "VPC vpc-1 …"). */
function nouns(message: string): string {
  return message.replace(/^(vpc|vbr|peering|subnet|instance|route table|router interface|webhook|account)\b/, (m) => (m === "vpc" || m === "vbr" ? m.toUpperCase() : m));
}

/** One paragraph: the sentences joined. */
export function errorText(e: ErrorLike): string {
  return errorSentences(e).join(" ");
}
