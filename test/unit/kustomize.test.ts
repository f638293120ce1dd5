import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/**
 * The install (`kubectl kustomize config/default`): exactly the objects the operator needs, the
 * Deployment hardened and pinned, the namespace locked down, and nothing an Argo CD would mistake
 * for its own.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const NAMESPACE = 'posture-system';
const KUSTOMIZE_TIMEOUT_MS = 20_000;

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec?: unknown;
}
interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name: string; containerPort: number; protocol?: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface DeploymentSpec {
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      serviceAccountName: string;
      automountServiceAccountToken?: boolean;
      securityContext?: Record<string, unknown>;
      containers: Container[];
      volumes?: { name: string; emptyDir?: Record<string, unknown> }[];
    };
  };
}
interface NetworkPolicyPeer {
  namespaceSelector?: { matchLabels?: Record<string, string> };
  podSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: unknown;
}
interface NetworkPolicyRule {
  from?: NetworkPolicyPeer[];
  to?: NetworkPolicyPeer[];
  ports?: { protocol?: string; port?: number | string }[];
}
interface NetworkPolicySpec {
  podSelector: Record<string, unknown>;
  policyTypes: string[];
  ingress?: NetworkPolicyRule[];
  egress?: NetworkPolicyRule[];
}

function render(path: string): KubeObject[] {
  const result = spawnSync('kubectl', ['kustomize', path], { cwd: root, encoding: 'utf8', timeout: KUSTOMIZE_TIMEOUT_MS });
  if (result.error !== undefined) throw new Error(`kubectl kustomize ${path}: ${result.error.message}`);
  assert.equal(result.status, 0, `kubectl kustomize ${path}: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((d) => d.toJS() as KubeObject);
}

function ports(rule: NetworkPolicyRule): string[] {
  return (rule.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${String(p.port)}`).sort();
}

function only<T>(items: readonly T[], what: string): T {
  assert.equal(items.length, 1, `expected exactly one ${what}, got ${items.length}`);
  const [item] = items;
  assert.ok(item !== undefined);
  return item;
}

describe('kustomize install (config/default)', () => {
  let objects: KubeObject[] = [];
  /**
   * The one object of a kind that belongs to the operator (its namespace's default ServiceAccount
   * and policy are apart, and so are the ClusterRoles for baseline authors and metrics scrapers).
   */
  const ofKind = (kind: string): KubeObject =>
    only(objects.filter((o) => o.kind === kind && !['default', 'default-deny', 'posture-baseline-author', 'posture-metrics-reader'].includes(o.metadata.name)), kind);
  const deployment = (): DeploymentSpec => ofKind('Deployment').spec as DeploymentSpec;
  const container = (): Container => only(deployment().template.spec.containers, 'container');

  before(function (this: Mocha.Context): void {
    this.timeout(KUSTOMIZE_TIMEOUT_MS);
    objects = render('config/default');
  });

  it('renders exactly the CRD, admission policies, Namespace, ServiceAccounts, ClusterRoles, ClusterRoleBinding, Deployment, PodDisruptionBudget, Service, NetworkPolicies, ResourceQuota and LimitRange', () => {
    const required = [
      'ClusterRole',
      'ClusterRole',
      'ClusterRole',
      'ClusterRoleBinding',
      'CustomResourceDefinition',
      'Deployment',
      'LimitRange',
      'Namespace',
      'NetworkPolicy',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'ResourceQuota',
      'Service',
      'ServiceAccount',
      'ServiceAccount',
      ...['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'].flatMap((k) => [k, k, k, k]),
    ];
    // config/rbac will gain a Role and RoleBinding for the leader-election Lease in posture-system.
    const leaderElection = new Set(['Role', 'RoleBinding']);
    const kinds = objects.map((o) => o.kind);
    assert.deepEqual(kinds.filter((k) => !leaderElection.has(k)).sort(), required);
    for (const o of objects.filter((x) => leaderElection.has(x.kind))) {
      assert.equal(o.metadata.namespace, NAMESPACE, `${o.kind}/${o.metadata.name}: leader election lives in the operator's namespace`);
      assert.equal(kinds.filter((k) => k === o.kind).length, 1, `one ${o.kind}`);
    }
    assert.equal(ofKind('CustomResourceDefinition').metadata.name, 'securitybaselines.posture.dev');
    const policies = (kind: string): string[] => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
    const expected = ['posture-baseline-bind-clusterroles', 'posture-baseline-roles', 'posture-baseline-subjects', 'posture-operator-fence'];
    assert.deepEqual(policies('ValidatingAdmissionPolicy'), expected);
    assert.deepEqual(policies('ValidatingAdmissionPolicyBinding'), expected);
  });

  it('orders the admission policies before the Deployment, so the operator never runs without them', () => {
    const first = (kind: string): number => objects.findIndex((o) => o.kind === kind);
    assert.ok(first('ValidatingAdmissionPolicyBinding') >= 0 && first('ValidatingAdmissionPolicyBinding') < first('Deployment'));
    assert.ok(first('ValidatingAdmissionPolicy') < first('ValidatingAdmissionPolicyBinding'));
  });

  it('puts every namespaced object in posture-system', () => {
    const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    for (const o of objects) {
      if (clusterScoped.has(o.kind)) assert.equal(o.metadata.namespace, undefined, `${o.kind}/${o.metadata.name}`);
      else assert.equal(o.metadata.namespace, NAMESPACE, `${o.kind}/${o.metadata.name}`);
    }
    assert.equal(ofKind('Namespace').metadata.name, NAMESPACE);
  });

  it('carries no Argo CD label or annotation on any object', () => {
    for (const o of objects) {
      const keys = [...Object.keys(o.metadata.labels ?? {}), ...Object.keys(o.metadata.annotations ?? {})];
      assert.deepEqual(keys.filter((k) => k.startsWith('argocd.argoproj.io/')), [], `${o.kind}/${o.metadata.name}`);
    }
  });

  it('does not label the install as generated by the operator (that label marks objects it prunes)', () => {
    for (const o of objects) assert.notEqual(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'posture-operator', `${o.kind}/${o.metadata.name}`);
  });

  it('enforces the restricted Pod Security level on the namespace', () => {
    const labels = ofKind('Namespace').metadata.labels ?? {};
    assert.equal(labels['pod-security.kubernetes.io/enforce'], 'restricted');
  });

  it('pins the image to the release version, never :latest', () => {
    const { image } = container();
    assert.doesNotMatch(image, /:latest$/);
    const m = /^ghcr\.io\/posture-dev\/posture-operator:(v\d+\.\d+\.\d+)$/.exec(image);
    assert.ok(m, `image ${image} is not pinned to a vX.Y.Z tag`);
    const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
    assert.equal(m[1], `v${version}`, 'image tag and package.json version');
  });

  it('runs the Deployment non-root, read-only, without privilege escalation or capabilities, under RuntimeDefault seccomp', () => {
    const pod = deployment().template.spec.securityContext ?? {};
    assert.equal(pod.runAsNonRoot, true);
    assert.equal(pod.runAsUser, 1000);
    assert.deepEqual(pod.seccompProfile, { type: 'RuntimeDefault' });
    const sc = container().securityContext ?? {};
    assert.equal(sc.runAsNonRoot, true);
    assert.equal(sc.runAsUser, 1000);
    assert.equal(sc.readOnlyRootFilesystem, true);
    assert.equal(sc.allowPrivilegeEscalation, false);
    assert.notEqual(sc.privileged, true);
    assert.deepEqual(sc.capabilities, { drop: ['ALL'] });
    assert.deepEqual(sc.seccompProfile, { type: 'RuntimeDefault' });
  });

  it('gives the read-only root a writable /tmp (emptyDir)', () => {
    const tmp = container().volumeMounts?.find((m) => m.mountPath === '/tmp');
    assert.ok(tmp);
    const volume = deployment().template.spec.volumes?.find((v) => v.name === tmp.name);
    assert.ok(volume?.emptyDir, '/tmp is an emptyDir');
  });

  it('runs two replicas as the operator ServiceAccount, with leader election and the designed flags', () => {
    const d = deployment();
    assert.equal(d.replicas, 2);
    assert.equal(d.template.spec.serviceAccountName, ofKind('ServiceAccount').metadata.name);
    assert.equal(d.template.spec.automountServiceAccountToken, true);
    // The image's ENTRYPOINT + CMD, spelled out: `args` alone would replace its CMD.
    const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
    const exec = (instruction: string): string[] => {
      const lines = dockerfile.split('\n').filter((l) => l.startsWith(`${instruction} `));
      const last = lines[lines.length - 1];
      assert.ok(last !== undefined, `Dockerfile has no ${instruction}`);
      return JSON.parse(last.slice(instruction.length + 1)) as string[];
    };
    assert.deepEqual(container().command, [...exec('ENTRYPOINT'), ...exec('CMD')]);
    assert.deepEqual(container().args, ['--leader-elect', '--metrics-bind-address=:8080', '--health-probe-bind-address=:8081']);
    const env = Object.fromEntries((container().env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath ?? e.value]));
    assert.deepEqual(env, { POD_NAMESPACE: 'metadata.namespace', POD_NAME: 'metadata.name', NODE_OPTIONS: '--max-old-space-size=160 --max-semi-space-size=8' });
  });

  it('binds the ClusterRole to that ServiceAccount in posture-system', () => {
    const binding = ofKind('ClusterRoleBinding') as KubeObject & { roleRef: { name: string }; subjects: { kind: string; name: string; namespace: string }[] };
    assert.equal(binding.roleRef.name, ofKind('ClusterRole').metadata.name);
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: ofKind('ServiceAccount').metadata.name, namespace: NAMESPACE }]);
  });

  it('sets requests and limits, probes on the `health` port and exposes `metrics`', () => {
    const c = container();
    assert.deepEqual(c.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } });
    const byName = Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]));
    assert.deepEqual(byName, { metrics: 8080, health: 8081 });
    assert.deepEqual(c.livenessProbe?.httpGet, { path: '/healthz', port: 'health' });
    assert.deepEqual(c.readinessProbe?.httpGet, { path: '/readyz', port: 'health' });
  });

  it('keeps one replica through voluntary disruptions and selects the operator pods from the PDB and the Service', () => {
    const podLabels = deployment().template.metadata.labels;
    const selects = (selector: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => podLabels[k] === v);
    assert.ok(selects(deployment().selector.matchLabels));
    const pdb = ofKind('PodDisruptionBudget').spec as { minAvailable: number; selector: { matchLabels: Record<string, string> } };
    assert.equal(pdb.minAvailable, 1);
    assert.ok(selects(pdb.selector.matchLabels), 'PDB selector');
    const svc = ofKind('Service').spec as { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string }[] };
    assert.ok(selects(svc.selector), 'Service selector');
    assert.deepEqual(svc.ports.map((p) => [p.name, p.port, p.targetPort]), [['metrics', 8080, 'metrics']]);
  });

  it('denies all traffic in the namespace but API server egress, DNS to kube-dns, and scrapes from monitoring', () => {
    const np = ofKind('NetworkPolicy').spec as NetworkPolicySpec;
    assert.deepEqual(np.podSelector, {}, 'applies to every pod in the namespace');
    assert.deepEqual([...np.policyTypes].sort(), ['Egress', 'Ingress']);

    const ingress = only(np.ingress ?? [], 'ingress rule');
    assert.deepEqual(ports(ingress), ['TCP/8080']);
    assert.deepEqual(ingress.from, [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);

    const egress = np.egress ?? [];
    assert.equal(egress.length, 2);
    const api = egress.find((r) => ports(r).includes('TCP/443'));
    assert.ok(api, 'API server egress: by port, since a policy cannot name the API server');
    assert.deepEqual(ports(api), ['TCP/443', 'TCP/6443']);
    assert.match(JSON.stringify(api.to), /"except":\["169\.254\.169\.254\/32"\]/, 'never the cloud metadata API');
    const deny = only(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny'), 'default-deny');
    assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = egress.find((r) => ports(r).includes('UDP/53'));
    assert.ok(dns);
    assert.deepEqual(ports(dns), ['TCP/53', 'UDP/53']);
    assert.deepEqual(dns.to, [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
    ]);
  });
}).timeout(KUSTOMIZE_TIMEOUT_MS);
