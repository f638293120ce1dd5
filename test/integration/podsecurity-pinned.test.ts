// The operator's workload checks judge Pod Security at the version the namespace pins
// (pod-security.kubernetes.io/enforce-version, written here from spec.podSecurity.version), and the
// API server agrees: a dry-run create of the same pod into that namespace is admitted or rejected
// as our verdict says, and into a namespace at latest the other way round.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { V1Namespace } from '@kubernetes/client-node';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { servePolicyReports } from './support/policyreports.js';
import { eventually } from './support/wait.js';

interface ReportResult {
  policy: string;
  result: string;
  message: string;
  resources: { kind: string; name: string }[];
}
interface Report {
  summary: { pass: number; fail: number };
  results: ReportResult[];
}

const IMAGE = 'registry.example.com/app:1.2.3';
const HARDENED = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };

/** A probe `host`: not judged before policy 1.34, forbidden at latest. */
const probeHost = { containers: [{ name: 'app', image: IMAGE, securityContext: HARDENED, livenessProbe: { httpGet: { host: '10.0.0.1', port: 8080 } } }] };
/** net.ipv4.tcp_rmem: unsafe before policy 1.32, safe at latest. */
const tcpRmem = { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }] }, containers: [{ name: 'app', image: IMAGE, securityContext: HARDENED }] };

function deployment(name: string, podSpec: object): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } },
  };
}

describe('Pod Security at the namespace\'s pinned enforce-version: the operator\'s verdict is the API server\'s', function () {
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator;
  const s = randomBytes(3).toString('hex');
  const name = `pinned-${s}`;
  const pinned = `pinned-ns-${s}`;
  const latest = `latest-ns-${s}`;

  /** Whether the API server's Pod Security Admission admits the pod in the namespace (dry-run create). */
  async function admitted(namespace: string, podName: string, spec: object): Promise<boolean> {
    try {
      await fetchAsAdmin(cp, 'POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: podName }, spec });
      return true;
    } catch (err) {
      if (err instanceof Error && /: 403: .*violates PodSecurity/.test(err.message)) return false;
      throw err;
    }
  }

  async function report(): Promise<Report | undefined> {
    return (await fetchAsAdmin(cp, 'GET', `/apis/wgpolicyk8s.io/v1alpha2/namespaces/${pinned}/policyreports/posture-audit`).catch(() => undefined)) as Report | undefined;
  }

  before(async function () {
    this.timeout(900_000);
    cp = await sharedControlPlane();
    k = admin(cp);
    await servePolicyReports(cp);
    op = await startOperator(cp);
    await k.createNamespace(pinned, { 'posture.dev/tier': name });
    // Not selected by any baseline: the API server's verdict at latest, for comparison.
    await k.createNamespace(latest, { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'latest' });
    await k.applyBaseline(name, { namespaceSelector: { matchLabels: { 'posture.dev/tier': name } }, podSecurity: { enforce: 'baseline', version: 'v1.31' } });
    await eventually('the operator to pin enforce-version v1.31', async () => {
      const ns = await k.get<V1Namespace>(`/api/v1/namespaces/${pinned}`);
      return ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'] === 'baseline' && ns.metadata.labels['pod-security.kubernetes.io/enforce-version'] === 'v1.31';
    });
    for (const ns of [pinned, latest]) {
      await eventually(`the default ServiceAccount in ${ns}`, async () => {
        await k.get(`/api/v1/namespaces/${ns}/serviceaccounts/default`);
        return true;
      });
    }
    // Pod Security Admission warns about Deployments and judges only their pods; the audit judges the template.
    await fetchAsAdmin(cp, 'POST', `/apis/apps/v1/namespaces/${pinned}/deployments`, deployment('probe-host', probeHost));
    await fetchAsAdmin(cp, 'POST', `/apis/apps/v1/namespaces/${pinned}/deployments`, deployment('tcp-rmem', tcpRmem));
  });

  after(async function () {
    this.timeout(60_000);
    await op.stop();
    await k.deleteBaseline(name).catch(() => undefined);
    for (const ns of [pinned, latest]) await k.send('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
  });

  it('fails what the pinned version forbids though latest allows it, saying so', async () => {
    await eventually('a report with tcp-rmem failing WL-007', async () => ((await report())?.results ?? []).some((r) => r.policy === 'WL-007' && r.resources.some((x) => x.name === 'tcp-rmem')), 90_000);
    const r = await report();
    const wl007 = (r?.results ?? []).filter((x) => x.policy === 'WL-007');
    assert.deepEqual(
      wl007.map((x) => [x.resources.map((res) => res.name).join(), x.result, x.message]),
      [['tcp-rmem', 'fail', "pod: remove unsafe sysctl net.ipv4.tcp_rmem; forbidden at Pod Security v1.31, the namespace's pinned enforce-version, though latest allows it"]],
      'probe-host passes WL-007 at v1.31 (passing results are only counted), tcp-rmem fails',
    );
  });

  it('the API server agrees: admitted and rejected at v1.31 as the operator says, the other way round at latest', async () => {
    // Pod Security Admission reads namespace labels from an informer: wait until it sees them.
    await eventually('v1.31 enforced on the pinned namespace, latest on the other', async () => {
      const verdicts = [await admitted(pinned, 'probe-host', probeHost), await admitted(pinned, 'tcp-rmem', tcpRmem), await admitted(latest, 'probe-host', probeHost), await admitted(latest, 'tcp-rmem', tcpRmem)];
      return verdicts.join() === 'true,false,false,true';
    });
  });
});
