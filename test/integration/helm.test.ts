import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { startControlPlane, type ControlPlane } from '../../hack/controlplane/launcher.js';
import { adminClient, applyAll, readManifests, repoRoot } from '../../hack/install.js';
import { admin, condition, fetchAsAdmin, type Admin } from './support/kube.js';
import { startOperator, type RunningOperator } from './support/operator.js';
import { eventually } from './support/wait.js';

/**
 * The Helm chart: lints, renders exactly config/default with default values, installs into a real
 * API server, the operator runs under the chart's ServiceAccount and protects a namespace, and
 * uninstalling leaves only what the README's "Uninstalling" section says.
 */

const run = promisify(execFile);
const CHART = join(repoRoot, 'charts/posture-operator');
const RELEASE = 'posture-operator';
const NAMESPACE = 'posture-system';
/** Labels Helm's conventions add; config/default carries only app.kubernetes.io/name (and component). */
const HELM_LABELS = ['app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by', 'helm.sh/chart'];

async function helmBinary(): Promise<string> {
  const { stdout, stderr } = await run('bash', [join(repoRoot, 'hack/tools/build.sh'), 'helm'], { maxBuffer: 16 << 20 });
  if (stderr !== '') process.stderr.write(stderr);
  const path = stdout.trim().split('\n').pop();
  assert.ok(path !== undefined && path !== '');
  return path;
}

function parseObjects(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);
}

function key(o: KubernetesObject): string {
  return `${o.kind ?? ''} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/**
 * An object as config/default has it: Helm's own labels dropped (not selectors; those are
 * compared), and the keep policy that leaves the namespace to `kubectl delete namespace`.
 */
function withoutHelmLabels(o: KubernetesObject): KubernetesObject {
  const copy = structuredClone(o);
  const labels = copy.metadata?.labels;
  if (labels !== undefined) for (const l of HELM_LABELS) Reflect.deleteProperty(labels, l);
  const annotations = copy.metadata?.annotations;
  if (annotations?.['helm.sh/resource-policy'] === 'keep') {
    Reflect.deleteProperty(annotations, 'helm.sh/resource-policy');
    if (Object.keys(annotations).length === 0 && copy.metadata !== undefined) Reflect.deleteProperty(copy.metadata, 'annotations');
  }
  return copy;
}

describe('Helm chart charts/posture-operator', function () {
  this.timeout(120_000);
  let helm: string;
  let cp: ControlPlane;
  let k: Admin;
  let op: RunningOperator | undefined;

  const helmRun = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(helm, [...args, '--kubeconfig', cp.kubeconfigPath], { maxBuffer: 16 << 20 });
    return stdout;
  };

  before(async function () {
    this.timeout(1_800_000); // a cold helm build compiles ~900 packages
    helm = await helmBinary();
    // Its own control plane: uninstalling deletes posture-system, which other test files share.
    cp = await startControlPlane();
    k = admin(cp);
  });
  after(async function () {
    this.timeout(60_000);
    if (op?.alive === true) await op.stop();
    await cp.stop();
  });

  it('passes helm lint, also with every optional part on', async () => {
    const { stdout } = await run(helm, ['lint', CHART, '--strict']);
    assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    const all = ['metrics.serviceMonitor.enabled=true', 'metrics.prometheusRule.enabled=true', 'image.digest=sha256:' + '0'.repeat(64)];
    const { stdout: withAll } = await run(helm, ['lint', CHART, '--strict', ...all.flatMap((s) => ['--set', s])]);
    assert.match(withAll, /0 chart\(s\) failed/);
  });

  it('renders with default values exactly the objects of config/default, object by object', async () => {
    const { stdout: chartText } = await run(helm, ['template', RELEASE, CHART, '--namespace', NAMESPACE, '--include-crds'], { maxBuffer: 16 << 20 });
    const { stdout: kustomizeText } = await run('kubectl', ['kustomize', join(repoRoot, 'config/default')], { maxBuffer: 16 << 20 });
    const chart = new Map(parseObjects(chartText).map((o) => [key(o), o]));
    const kustomize = new Map(parseObjects(kustomizeText).map((o) => [key(o), o]));
    assert.deepEqual([...chart.keys()].sort(), [...kustomize.keys()].sort(), 'the same objects');
    for (const [name, expected] of kustomize) {
      const rendered = chart.get(name);
      assert.ok(rendered !== undefined);
      // Helm's labels on everything the chart templates (crds/, the pre-existing default
      // ServiceAccount and the generated admission policies, included verbatim, are not).
      const verbatim = ['CustomResourceDefinition', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'];
      const templated = !verbatim.includes(rendered.kind ?? '') && !(rendered.kind === 'ServiceAccount' && rendered.metadata?.name === 'default');
      if (templated) assert.equal(rendered.metadata?.labels?.['helm.sh/chart'], 'posture-operator-0.1.0', name);
      assert.deepEqual(withoutHelmLabels(rendered), expected, name);
    }
  });

  it('installs into a real API server with helm install', async () => {
    const out = await helmRun('install', RELEASE, CHART, '--namespace', NAMESPACE, '--create-namespace', '--take-ownership');
    console.log(out.split('\n').map((l) => `      | ${l}`).join('\n'));
    assert.match(out, /STATUS: deployed/);
    const status = await helmRun('status', RELEASE, '--namespace', NAMESPACE);
    assert.match(status, /STATUS: deployed/);
    const ns = (await fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${NAMESPACE}`)) as KubernetesObject;
    assert.equal(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted', 'the chart\'s namespace labels were applied');
    const deploy = (await fetchAsAdmin(cp, 'GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${RELEASE}`)) as { spec: { template: { spec: { serviceAccountName: string } } } };
    assert.equal(deploy.spec.template.spec.serviceAccountName, 'posture-operator');
  });

  it('runs the operator under the chart\'s ServiceAccount and RBAC, and it protects a namespace', async () => {
    // No kubelet here: the operator runs as a process with a token of the chart's ServiceAccount and
    // the arguments of the chart's Deployment.
    const deploy = (await fetchAsAdmin(cp, 'GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${RELEASE}`)) as { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const args = (deploy.spec.template.spec.containers[0]?.args ?? []).filter((a) => !a.includes('bind-address'));
    assert.deepEqual(args, ['--leader-elect']);
    const client = await adminClient(cp.kubeconfigPath);
    await applyAll(client, await readManifests('hack/crds/wgpolicyk8s.io_policyreports.yaml'));
    await client.close();
    op = await startOperator(cp, args, { preinstalled: true, env: { POD_NAME: 'helm-0' } });
    await k.createNamespace('team-a', { 'posture.dev/tier': 'tenant' });
    const sample = (await readManifests('config/samples/posture_v1alpha1_securitybaseline.yaml'))[0] as unknown as { metadata: { name: string }; spec: Record<string, unknown> };
    await k.applyBaseline(sample.metadata.name, sample.spec);
    await eventually('the sample baseline to protect team-a', async () => {
      const b = await k.getBaseline(sample.metadata.name);
      return condition(b, 'Ready')?.status === 'True' && b.status?.namespaces?.enforced === 1;
    }, 90_000);
    assert.ok((await k.managedPolicies('team-a')).some((p) => p.metadata?.name === 'posture-default-deny'));
    assert.equal(await op.counter('posture_leader'), 1, 'holds the Lease the chart\'s Role lets it write');
  });

  it('uninstalls in the documented order, and an Orphan baseline whose operator is gone is released by the documented patch', async () => {
    // An Orphan baseline that the operator has taken on (its finalizer is set).
    await k.createNamespace('keep-me', { 'posture.dev/tier': 'keep' });
    await k.applyBaseline('keeper', { namespaceSelector: { matchLabels: { 'posture.dev/tier': 'keep' } }, deletionPolicy: 'Orphan' });
    await eventually('keeper enforced, with its finalizer', async () => {
      const b = (await k.getBaseline('keeper')) as unknown as { metadata: { finalizers?: string[] }; status?: { namespaces?: { enforced?: number } } };
      return b.metadata.finalizers?.includes('posture.dev/orphan') === true && b.status?.namespaces?.enforced === 1;
    }, 90_000);

    // 1. baselines first, while the operator runs: the Delete one goes with what it wrote.
    await k.deleteBaseline('tenants');
    await eventually('tenants gone', async () => k.getBaseline('tenants').then(() => false, () => true), 60_000);

    // 2. then the operator; here it goes before the Orphan baseline is deleted, as when someone
    // uninstalled in the wrong order.
    assert.ok(op !== undefined);
    await op.stop();
    const out = await helmRun('uninstall', RELEASE, '--namespace', NAMESPACE, '--wait');
    console.log(out.split('\n').map((l) => `      | ${l}`).join('\n'));
    assert.match(out, /release "posture-operator" uninstalled/);

    // The stuck deletion, released with the README's exact commands.
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const block = /```sh\n(kubectl delete securitybaseline NAME --cascade=orphan[^`]*)```/.exec(readme)?.[1];
    assert.ok(block !== undefined, 'the README shows the commands');
    const commands = block.replace(/\\\n\s*/g, '').trim().split('\n');
    assert.equal(commands.length, 2);
    const kubectl = async (command: string): Promise<string> => {
      const argv = command.replace('NAME', 'keeper').match(/'[^']*'|\S+/g)?.map((a) => a.replace(/^'(.*)'$/, '$1')) ?? [];
      assert.equal(argv[0], 'kubectl');
      const { stdout } = await run('kubectl', [...argv.slice(1), '--kubeconfig', cp.kubeconfigPath]);
      return stdout;
    };
    await kubectl(commands[0] ?? '');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const stuck = (await k.getBaseline('keeper')) as unknown as { metadata: { deletionTimestamp?: string; finalizers?: string[] } };
    assert.ok(stuck.metadata.deletionTimestamp !== undefined, 'deleting');
    // Ours, and Kubernetes' own `orphan` while the garbage collector strips ownerReferences.
    assert.equal(stuck.metadata.finalizers?.[0], 'posture.dev/orphan', 'held by the finalizer no one will remove');
    await kubectl(commands[1] ?? '');
    await eventually('keeper gone', async () => k.getBaseline('keeper').then(() => false, () => true), 90_000);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // give garbage collection its chance to (wrongly) act
    const kept = (await k.managedPolicies('keep-me')).find((p) => p.metadata?.name === 'posture-default-deny');
    assert.ok(kept !== undefined, 'the Orphan baseline\'s objects stay');
    assert.equal(kept.metadata?.ownerReferences, undefined, 'unowned');

    // What is left, as the README says: the namespace (Helm keeps its release record there) with
    // nothing of the release in it, and the CRD (Helm never deletes crds/).
    const namespaced = ['apis/apps/v1/namespaces/NS/deployments', 'api/v1/namespaces/NS/services', 'api/v1/namespaces/NS/serviceaccounts', 'api/v1/namespaces/NS/resourcequotas', 'api/v1/namespaces/NS/limitranges', 'apis/networking.k8s.io/v1/namespaces/NS/networkpolicies', 'apis/policy/v1/namespaces/NS/poddisruptionbudgets', 'apis/rbac.authorization.k8s.io/v1/namespaces/NS/roles', 'apis/rbac.authorization.k8s.io/v1/namespaces/NS/rolebindings'];
    for (const path of [...namespaced.map((p) => p.replace('NS', NAMESPACE)), 'apis/rbac.authorization.k8s.io/v1/clusterroles', 'apis/rbac.authorization.k8s.io/v1/clusterrolebindings']) {
      const list = (await fetchAsAdmin(cp, 'GET', `/${path}`)) as { items: KubernetesObject[] };
      const left = list.items.filter((o) => o.metadata?.labels?.['app.kubernetes.io/instance'] === RELEASE || o.metadata?.name?.startsWith('posture-operator') === true);
      assert.deepEqual(left.map((o) => o.metadata?.name), [], path);
    }
    const crds = (await fetchAsAdmin(cp, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')) as { items: KubernetesObject[] };
    assert.ok(crds.items.some((c) => c.metadata?.name === 'securitybaselines.posture.dev'), 'the CRD stays until deleted by hand');
    await run('kubectl', ['delete', 'namespace', NAMESPACE, '--kubeconfig', cp.kubeconfigPath]);
    await eventually('the namespace gone', async () => fetchAsAdmin(cp, 'GET', `/api/v1/namespaces/${NAMESPACE}`).then(() => false, () => true), 60_000);
    assert.deepEqual(await helmRun('list', '--all-namespaces', '--short'), '');
  });
});
