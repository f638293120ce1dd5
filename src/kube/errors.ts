/** An error answer from the API server, with the fields a controller decides on. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly verb: string,
    readonly path: string,
  ) {
    super(`${verb} ${path}: ${code} ${reason}: ${message}`);
    this.name = 'ApiError';
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409;
}

/**
 * Terminal errors do not get better by retrying the same request: the input is invalid (400, 422)
 * or the operator lacks a permission (403). Everything else (429, 5xx, network) is retried with backoff.
 */
export function isTerminal(err: unknown): boolean {
  return err instanceof ApiError && (err.code === 400 || err.code === 403 || err.code === 422);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
