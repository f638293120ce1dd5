// Requests as another user, the way `kubectl --as --as-group` sends them: the admin's client
// certificate plus Impersonate-User and Impersonate-Group headers. The API server then authorizes
// and admits the request as that user (RBAC and ValidatingAdmissionPolicies included).
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import { adminClient, type Method } from './kube.js';

export interface Reply {
  status: number;
  /** Warning headers (a ValidatingAdmissionPolicy bound with the Warn action sends its message here). */
  warnings: string[];
  /** The response body, parsed when JSON. */
  body: { message?: string; [key: string]: unknown };
}

export interface Identity {
  user: string;
  groups?: readonly string[];
}

export type Requester = (method: Method, path: string, body?: unknown, contentType?: string) => Promise<Reply>;

/** A requester that never throws on an HTTP error: tests assert on the status and the message. */
export async function impersonating(cp: ControlPlane, who: Identity): Promise<Requester> {
  const client = await adminClient(cp);
  const headers: Record<string, string | readonly string[]> = { 'impersonate-user': who.user };
  if (who.groups !== undefined && who.groups.length > 0) headers['impersonate-group'] = who.groups;
  return async (method, path, body, contentType = 'application/json') => {
    const res = await client.send({ method, path, body, contentType, headers });
    const warning = res.headers.warning;
    const warnings = warning === undefined ? [] : Array.isArray(warning) ? warning : [warning];
    return { status: res.status, warnings, body: parseBody(res.text) };
  };
}

function parseBody(text: string): Reply['body'] {
  if (text === '') return {};
  try {
    return JSON.parse(text) as Reply['body'];
  } catch {
    return { message: text };
  }
}
