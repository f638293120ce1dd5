// Measures what the audit caches hold for 1,000 real pods: the heap taken by the objects as the
// API server lists them, and by the compact form the informers keep (src/kube/transform.ts).
// Run: node --expose-gc --import tsx hack/measure-cache.ts   (starts and stops its own control plane)
import { startControlPlane } from './controlplane/launcher.js';
import { adminClient } from './install.js';
import { compact } from '../src/kube/resources.js';

const PODS = 1000;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const cp = await startControlPlane();
  try {
    const client = await adminClient(cp.kubeconfigPath);
    await client.request({ verb: 'create', resource: 'namespaces', method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'measure' } } });
    await waitForDefaultServiceAccount(client);
    // A typical Deployment's pod: two containers, env, probes, resources, a volume; the ReplicaSet
    // controller creates the pods, so they carry the managedFields and status a real cluster has.
    const container = (name: string): Record<string, unknown> => ({
      name,
      image: `registry.example.com/team/${name}:1.4.2`,
      ports: [{ containerPort: 8080, name: 'http' }],
      env: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'DB_HOST', value: 'db.internal' }],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
      securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
    });
    await client.request({
      verb: 'create',
      resource: 'deployments',
      method: 'POST',
      path: '/apis/apps/v1/namespaces/measure/deployments',
      body: {
        metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(1500) } },
        spec: {
          replicas: PODS,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web', team: 'shop', version: 'v1' } },
            spec: { containers: [container('app'), container('sidecar')], volumes: [{ name: 'config', configMap: { name: 'web' } }] },
          },
        },
      },
    });
    let items: unknown[] = [];
    for (let i = 0; i < 600; i++) {
      items = (await client.request<{ items: unknown[] }>({ verb: 'list', resource: 'pods', method: 'GET', path: '/api/v1/namespaces/measure/pods' })).items;
      if (items.length >= PODS) break;
      if (i % 10 === 0) console.error(`measure: ${items.length}/${PODS} pods created`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const text = JSON.stringify(items);
    items = [];
    const base = heapAfterGc();
    let raw: unknown = JSON.parse(text);
    const rawBytes = heapAfterGc() - base;
    const compacted = (raw as unknown[]).map((p) => compact('pods', p));
    raw = undefined;
    const compactBytes = heapAfterGc() - base;
    console.log(JSON.stringify({ pods: (compacted).length, listJsonMiB: +(text.length / 2 ** 20).toFixed(2), rawHeapMiB: +(rawBytes / 2 ** 20).toFixed(2), compactHeapMiB: +(compactBytes / 2 ** 20).toFixed(2) }));
    await client.close();
  } finally {
    await cp.stop();
  }
}

async function waitForDefaultServiceAccount(client: Awaited<ReturnType<typeof adminClient>>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await client.request({ verb: 'get', resource: 'serviceaccounts', method: 'GET', path: '/api/v1/namespaces/measure/serviceaccounts/default' }).then(() => true, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no default ServiceAccount');
}

await main();
