// Requests as another user, the way `kubectl --as --as-group` sends them: the admin's client
// certificate plus Impersonate-User and Impersonate-Group headers. The API server then authorizes
// and admits the request as that user (RBAC and ValidatingAdmissionPolicies included).
import { KubeConfig } from '@kubernetes/client-node';
import https from 'node:https';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';

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

export type Requester = (method: string, path: string, body?: unknown, contentType?: string) => Promise<Reply>;

/** A requester that never throws on an HTTP error: tests assert on the status and the message. */
export async function impersonating(cp: ControlPlane, who: Identity): Promise<Requester> {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | string[]> = {
        ...(opts.headers as Record<string, string> | undefined),
        'content-type': contentType,
        'impersonate-user': who.user,
      };
      if (who.groups !== undefined && who.groups.length > 0) headers['impersonate-group'] = [...who.groups];
      const req = https.request(new URL(cp.server + path), { ...opts, method, headers }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          const warning = res.headers.warning;
          const warnings = warning === undefined ? [] : Array.isArray(warning) ? warning : [warning];
          resolve({ status: res.statusCode ?? 0, warnings, body: parseBody(text) });
        });
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
}

function parseBody(text: string): Reply['body'] {
  if (text === '') return {};
  try {
    return JSON.parse(text) as Reply['body'];
  } catch {
    return { message: text };
  }
}
