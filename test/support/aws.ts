/** Shared by the AWS face's e2e tests (@aws-sdk/client-ec2). */

/** The EC2 error code, HTTP status and message a call fails with; throws if the call succeeds. */
export async function failure(p: Promise<unknown>): Promise<{ code: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; Code?: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { code: err.Code ?? err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error("expected the call to fail");
}
