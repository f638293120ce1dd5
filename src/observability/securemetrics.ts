import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { KubeClient } from '../kube/client.js';
import type { MetricsServing } from '../options.js';
import { kubeReviewer } from './kubereviewer.js';
import { ScrapeAuthorizer } from './scrapeauth.js';
import { selfSignedCertificate } from './selfsigned.js';
import type { SecureServing } from './server.js';

/**
 * What secure metrics serve with: the mounted certificate (--metrics-cert-path, e.g. from
 * cert-manager), or one generated now; and an authorizer that asks the API server about each
 * scrape's token. Undefined when --metrics-secure is off.
 */
export async function secureServing(options: MetricsServing, client: KubeClient, namespace: string | undefined): Promise<SecureServing | undefined> {
  if (!options.secure) return undefined;
  const authorizer = new ScrapeAuthorizer(kubeReviewer(client));
  return { tls: await servingCertificate(options, namespace), authorize: (header) => authorizer.check(header) };
}

async function servingCertificate(options: MetricsServing, namespace: string | undefined): Promise<SecureServing['tls']> {
  if (options.certDir === undefined) {
    const hosts = ['localhost', hostname(), '127.0.0.1'];
    if (namespace !== undefined) hosts.unshift(`posture-operator-metrics.${namespace}.svc`);
    return selfSignedCertificate(hosts);
  }
  const [cert, key] = await Promise.all(
    [options.certName, options.keyName].map((name) =>
      readFile(join(options.certDir ?? '', name), 'utf8').catch((err: unknown) => {
        throw new Error(`--metrics-cert-path: cannot read ${join(options.certDir ?? '', name)}`, { cause: err });
      }),
    ),
  );
  return { cert: cert ?? '', key: key ?? '' };
}
