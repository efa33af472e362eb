/** The rules EC2 adds to vpcpeer's tag rules (domain/tags.ts): `aws:` keys are AWS's own. */
import type { Tags } from "../../../domain/resources.ts";
import { AwsError } from "../errors.ts";

/** InvalidTagKey.Malformed for an empty key or one starting with `aws:` (any case), as EC2 answers. */
export function checkTagKey(key: string, param: string): void {
  if (key === "") throw new AwsError("InvalidTagKey.Malformed", 400, `Tag keys must not be empty (${param})`);
  if (key.toLowerCase().startsWith("aws:")) throw new AwsError("InvalidTagKey.Malformed", 400, `Tag keys starting with 'aws:' are reserved for internal use (${param}: '${key.slice(0, 80)}')`);
}

export function checkTagKeys(tags: Tags, param: string): Tags {
  for (const key of Object.keys(tags)) checkTagKey(key, param);
  return tags;
}
