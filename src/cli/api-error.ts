/**
 * An error answered by the native API (its stable code, message and details), or a failure to
 * reach it. Pure (no Node modules), so the web console shares it with the CLI.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
