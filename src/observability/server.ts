import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Registry } from 'prom-client';
import type { ScrapeDecision } from './scrapeauth.js';

export interface BindAddress {
  host: string;
  port: number;
}

/** Parses kubebuilder-style addresses: ":8080" (all interfaces), "127.0.0.1:8080", or "0" (disabled). */
export function parseBindAddress(flag: string, value: string): BindAddress | undefined {
  if (value === '0') return undefined;
  const match = /^(.*):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) throw new Error(`${flag}: expected [host]:port or 0, got "${value}"`);
  const host = (match[1] ?? '').replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

type Handler = (req: IncomingMessage) => Promise<{ status: number; contentType: string; body: string }>;

/** Serving the metrics over HTTPS, each scrape decided on by `authorize` (secure metrics). */
export interface SecureServing {
  tls: { cert: string; key: string };
  authorize: (authorization: string | undefined) => Promise<ScrapeDecision>;
}

async function listen(address: BindAddress, routes: Record<string, Handler>, tls?: SecureServing['tls']): Promise<Server> {
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const handler = routes[path];
    if (handler === undefined || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    handler(req).then(
      ({ status, contentType, body }) => res.writeHead(status, { 'content-type': contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  };
  // An https.Server is an http.Server for everything callers do with it (address, close).
  const server: Server = tls === undefined ? createServer(serve) : (createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, serve));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      resolve();
    });
  });
  return server;
}

/** Plain HTTP, or with `secure` HTTPS where every scrape is authenticated and authorised. */
export function metricsServer(address: BindAddress, registry: Registry, secure?: SecureServing): Promise<Server> {
  return listen(
    address,
    {
      '/metrics': async (req) => {
        if (secure !== undefined) {
          const decision = await secure.authorize(req.headers.authorization);
          if (decision.status !== 200) return { status: decision.status, contentType: 'text/plain', body: `${decision.reason}\n` };
        }
        return { status: 200, contentType: registry.contentType, body: await registry.metrics() };
      },
    },
    secure?.tls,
  );
}

/** /healthz answers while the event loop runs; /readyz only once the caches are synced. */
export function healthServer(address: BindAddress, isReady: () => boolean): Promise<Server> {
  const text = (status: number, body: string): ReturnType<Handler> => Promise.resolve({ status, contentType: 'text/plain', body });
  return listen(address, {
    '/healthz': () => text(200, 'ok\n'),
    '/readyz': () => (isReady() ? text(200, 'ok\n') : text(503, 'caches not synced\n')),
  });
}

export async function closeServer(server: Server | undefined): Promise<void> {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => {
    resolve();
  }));
}
