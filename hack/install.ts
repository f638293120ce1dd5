// Installs what the operator needs into a cluster, as the admin: the CRD, the operator's namespace,
// ServiceAccount, ClusterRole and leader-election Role from config/rbac, and optionally the samples.
// Used by `npm start` on the local control plane and by the integration tests, so both run the
// operator exactly as deployed.
import type { KubernetesObject } from '@kubernetes/client-node';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import type { KubeClient } from '../src/kube/client.js';
import { connect, kubeConfigFromFile } from '../src/kube/connect.js';
import { objectPath, type ResourceType } from '../src/kube/resources.js';

export const OPERATOR_NAMESPACE = 'posture-system';
export const OPERATOR_SERVICE_ACCOUNT = 'posture-operator';
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The kinds the installer writes. client-node's typed serializer drops JSON-schema keys such as
 * `enum` and `x-kubernetes-validations` from a CRD, so the installer sends plain JSON instead.
 */
const KINDS: Record<string, ResourceType> = Object.fromEntries(
  (
    [
      ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false],
      ['v1', 'Namespace', 'namespaces', false],
      ['v1', 'ServiceAccount', 'serviceaccounts', true],
      ['rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false],
      ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', false],
      ['rbac.authorization.k8s.io/v1', 'Role', 'roles', true],
      ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings', true],
      ['posture.dev/v1alpha1', 'SecurityBaseline', 'securitybaselines', false],
      ['apps/v1', 'Deployment', 'deployments', true],
      ['policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true],
      ['v1', 'Service', 'services', true],
      ['networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies', true],
      ['v1', 'ResourceQuota', 'resourcequotas', true],
      ['v1', 'LimitRange', 'limitranges', true],
      ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', false],
      ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', false],
    ] as const
  ).map(([apiVersion, kind, plural, namespaced]) => [`${apiVersion}/${kind}`, { apiVersion, kind, plural, namespaced }]),
);

export async function adminClient(kubeconfigPath: string): Promise<KubeClient> {
  return connect(kubeconfigPath);
}

/** Reads every document of a YAML file (relative to the repository root). */
export async function readManifests(relativePath: string): Promise<KubernetesObject[]> {
  const text = await readFile(`${repoRoot}/${relativePath}`, 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);
}

function typeOf(object: KubernetesObject): ResourceType {
  const type = KINDS[`${object.apiVersion ?? ''}/${object.kind ?? ''}`];
  if (type === undefined) throw new Error(`installer: unsupported kind ${object.apiVersion ?? ''} ${object.kind ?? ''}`);
  return type;
}

/**
 * Server-side applies objects as the installer (not as the operator's field manager). With dryRun
 * the API server validates and admits each object fully but stores nothing.
 */
export async function applyAll(client: KubeClient, objects: readonly KubernetesObject[], options: { dryRun?: boolean } = {}): Promise<void> {
  for (const object of objects) {
    const type = typeOf(object);
    await client.request({
      verb: 'patch',
      resource: type.plural,
      method: 'PATCH',
      path: objectPath(type, object.metadata?.name ?? '', type.namespaced ? object.metadata?.namespace : undefined),
      query: { fieldManager: 'posture-installer', force: 'true', ...(options.dryRun === true ? { dryRun: 'All', fieldValidation: 'Strict' } : {}) },
      body: object,
      contentType: 'application/apply-patch+yaml',
    });
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * CRD, RBAC and the admission policies of config/admission (before the operator starts: a baseline
 * may grant only what its author holds, and the operator's token is fenced), then waits until the
 * CRD is served.
 */
export async function installOperatorPrerequisites(kubeconfigPath: string): Promise<void> {
  const client = await adminClient(kubeconfigPath);
  const crd = await readManifests('crds/posture.dev_securitybaselines.yaml');
  await applyAll(client, [
    ...crd,
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: OPERATOR_NAMESPACE } },
    ...(await readManifests('config/rbac/service_account.yaml')),
    ...(await readManifests('config/rbac/role.yaml')),
    ...(await readManifests('config/rbac/role_binding.yaml')),
    ...(await readManifests('config/rbac/leader_election_role.yaml')),
    ...(await readManifests('config/rbac/leader_election_role_binding.yaml')),
    ...(await readManifests('config/rbac/baseline_author_role.yaml')),
    ...(await readManifests('config/admission/baseline-author.yaml')),
    ...(await readManifests('config/admission/operator-fence.yaml')),
  ]);
  await waitFor('the SecurityBaseline CRD to be established', async () => {
    const crdType = typeOf(crd[0] ?? {});
    const read = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
      verb: 'get',
      resource: crdType.plural,
      method: 'GET',
      path: objectPath(crdType, 'securitybaselines.posture.dev'),
    });
    return (read.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
  });
  await client.close();
}

/**
 * Writes a kubeconfig for a ServiceAccount, with a token from the TokenRequest API, so a process
 * can run with exactly that account's RBAC. Works against any cluster the admin kubeconfig reaches.
 */
export async function mintServiceAccountKubeconfig(
  adminKubeconfig: string,
  namespace: string,
  serviceAccount: string,
  outPath: string,
  expirationSeconds = 7 * 24 * 3600,
): Promise<string> {
  const cluster = kubeConfigFromFile(adminKubeconfig).getCurrentCluster();
  if (cluster === null) throw new Error(`${adminKubeconfig}: no current cluster`);
  const client = await adminClient(adminKubeconfig);
  try {
    const response = await client.request<{ status?: { token?: string } }>({
      verb: 'create',
      resource: 'serviceaccounts/token',
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
    });
    const token = response.status?.token;
    if (token === undefined) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
    const ca = cluster.caData ?? (cluster.caFile === undefined ? undefined : (await readFile(cluster.caFile)).toString('base64'));
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'cluster', cluster: { server: cluster.server, ...(ca === undefined ? {} : { 'certificate-authority-data': ca }) } }],
      users: [{ name: serviceAccount, user: { token } }],
      contexts: [{ name: serviceAccount, context: { cluster: 'cluster', user: serviceAccount, namespace } }],
      'current-context': serviceAccount,
    };
    await mkdir(dirname(outPath), { recursive: true });
    await writeFile(outPath, stringify(config), { mode: 0o600 });
    return outPath;
  } finally {
    await client.close();
  }
}
