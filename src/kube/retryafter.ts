/** Without a usable Retry-After, wait this long: what API Priority and Fairness sends. */
const DEFAULT_RETRY_AFTER_MS = 1000;

/**
 * The wait a 429 asks for: Retry-After in seconds (what the API server sends) or as an HTTP date,
 * capped; a missing or malformed header means one second.
 */
export function retryAfterMs(header: string | null, capMs: number, now = Date.now()): number {
  let ms = DEFAULT_RETRY_AFTER_MS;
  if (header !== null && /^\s*\d+\s*$/.test(header)) ms = Number(header) * 1000;
  else if (header !== null && !Number.isNaN(Date.parse(header))) ms = Math.max(0, Date.parse(header) - now);
  return Math.min(capMs, ms);
}
