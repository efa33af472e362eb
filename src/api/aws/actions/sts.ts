/**
 * STS GetCallerIdentity (Query protocol, Version 2011-06-15, signing service `sts`): Terraform's
 * AWS provider calls it on every run to validate credentials and learn its account id.
 */
import type { ActionTable } from "../context.ts";

export const stsActions: ActionTable = {
  GetCallerIdentity: {
    params: [],
    async run(c) {
      const { account } = c;
      return { UserId: account.accessKeyId, Account: account.id, Arn: `arn:aws:iam::${account.id}:user/${account.name}` };
    },
  },
};
