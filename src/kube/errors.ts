/** An error answer from the API server, with the fields a controller decides on. */
export class ApiError extends Error {
  /** A 403 shortly after the API server was unreachable: its authorizer may not have warmed up (StartupGrace). */
  transient = false;

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
 * or the operator lacks a permission (403, unless it came right after the API server restarted).
 * Everything else (429, 5xx, network) is retried with backoff.
 */
export function isTerminal(err: unknown): boolean {
  return err instanceof ApiError && !err.transient && (err.code === 400 || err.code === 403 || err.code === 422);
}

/**
 * The message with its causes: undici's fetch says only "fetch failed" and keeps the reason
 * (ECONNREFUSED, an unknown certificate authority) in err.cause.
 */
export function errorMessage(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const text = ownMessage(current);
    if (text !== '' && !parts.some((p) => p.includes(text))) parts.push(text);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

/** An AggregateError (every address of a host refused) has an empty message; its errors say why. */
function ownMessage(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') return err.errors.map(ownMessage).join('; ');
  return err instanceof Error ? err.message : String(err);
}
