/**
 * Heuristics for credentials in plain configuration (env values, ConfigMap data). They never echo
 * the value they found, only where it is.
 */

const SENSITIVE_NAME = /(passw(or)?d|pwd|secret|token|bearer|api[_-]?key|private[_-]?key|access[_-]?key|credential|client[_-]?key)/i;
const AZURE_KEY = /^azure.*key$/i;
/** Names that hold a reference or a setting about a credential, not the credential itself. */
const REFERENCE_SUFFIX = /[_.-](file|path|dir|name|names|url|uri|endpoint|ref|ttl|timeout|expiry|expiration|length|header|type|enabled)$/i;

/** Whether a variable or key name looks like it holds a password, token, secret or key. */
export function isSensitiveName(name: string): boolean {
  if (/^pwd$/i.test(name)) return false; // the working directory
  if (REFERENCE_SUFFIX.test(name)) return false;
  return SENSITIVE_NAME.test(name) || AZURE_KEY.test(name);
}

/** A value that is only a reference to something else: `$(VAR)`, `${VAR}`, `{{ .x }}`. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  return v === '' || /^\$\([^)]*\)$/.test(v) || /^\$\{[^}]*\}$/.test(v) || /^\{\{.*\}\}$/.test(v);
}

const FLAG_VALUES = new Set(['1', '0', 'true', 'false', 'yes', 'no', 'y', 'n', 'on', 'off', 'enabled', 'disabled']);

/**
 * A boolean switch (MYSQL_ALLOW_EMPTY_PASSWORD: "1", REQUIRE_TOKEN: "yes"): a setting about a
 * credential, never the credential itself.
 */
export function isFlagValue(value: string): boolean {
  return FLAG_VALUES.has(value.trim().toLowerCase());
}

const VALUE_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----/, 'a private key'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/, 'a JSON Web Token'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s:/@$]+@/i, 'a URL with a password'],
  [/(^|[\s;,&?"'{])[\w.-]*(passw(or)?d|secret|token|api[_-]?key)["']?\s*[=:]\s*["']?(?![$"'{<\s])[^\s"',;]{4,}/im, 'a credential assignment'],
];

/** What kind of credential a value looks like it contains, if any. */
export function sensitiveValueKind(value: string): string | undefined {
  for (const [pattern, kind] of VALUE_PATTERNS) {
    if (pattern.test(value)) return kind;
  }
  return undefined;
}
