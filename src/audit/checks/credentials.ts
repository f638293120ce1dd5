/** Credentials and tokens: WL-014, WL-016, WL-017, SEC-001. */
import type { CheckMeta, NamespaceCheck } from '../check.js';
import { fromOutcome, perWorkload } from '../check.js';
import { allContainers, describe, serviceAccountOf } from '../podspec.js';
import { isFlagValue, isPlaceholder, isSensitiveName, sensitiveValueKind } from '../sensitive.js';

const SECRETS_SEED = 'Secrets: store passwords, keys and tokens in Secrets, not in plain configuration';

const wl014: CheckMeta = {
  id: 'WL-014',
  title: 'Token automount',
  severity: 'medium',
  category: 'Workload',
  seedItem: 'Restrict unintended API access',
  equivalents: ['P:automountServiceAccountToken', 'C-0034', 'CIS 5.1.6', 'KSV-0036'],
  fix: 'Report',
};

/** Effective automount: the pod's field wins over the ServiceAccount's; the API default is true. */
export const tokenAutomountCheck: NamespaceCheck = perWorkload(wl014, (w, input) => {
  const saName = serviceAccountOf(w.podSpec);
  const sa = input.serviceAccounts.find((s) => s.name === saName);
  const podValue = w.podSpec.automountServiceAccountToken;
  const effective = podValue ?? sa?.automountServiceAccountToken ?? true;
  if (!effective) return { problems: [], passMessage: 'no service account token is mounted' };
  const why = podValue === true ? 'the pod sets it to true' : sa?.automountServiceAccountToken === true ? `ServiceAccount ${saName} sets it to true` : 'it defaults to true';
  return {
    problems: [`pod: set spec.automountServiceAccountToken: false unless it calls the Kubernetes API (${why}; ServiceAccount ${saName})`],
  };
});

const wl016: CheckMeta = {
  id: 'WL-016',
  title: 'Secrets as files',
  severity: 'low',
  category: 'Workload',
  seedItem: SECRETS_SEED,
  equivalents: ['C-0207', 'CIS 5.4.1'],
  fix: 'Report',
};

export const secretsAsFilesCheck: NamespaceCheck = perWorkload(wl016, (w) => ({
  problems: allContainers(w.podSpec).flatMap((c) => {
    const envs = (c.container.env ?? []).filter((e) => e.valueFrom?.secretKeyRef !== undefined).map((e) => `env ${e.name} (secretKeyRef ${e.valueFrom?.secretKeyRef?.name ?? ''})`);
    const froms = (c.container.envFrom ?? []).filter((e) => e.secretRef !== undefined).map((e) => `envFrom secretRef ${e.secretRef?.name ?? ''}`);
    const all = [...envs, ...froms];
    return all.length === 0 ? [] : [`${describe(c)}: mount the Secret as a volume instead of ${all.join(', ')}`];
  }),
  passMessage: 'no Secret exposed through environment variables',
}));

const wl017: CheckMeta = {
  id: 'WL-017',
  title: 'No literal credentials',
  severity: 'high',
  category: 'Workload',
  seedItem: SECRETS_SEED,
  equivalents: ['P:sensitiveContainerEnvVar', 'C-0012'],
  fix: 'Report',
};

export const literalCredentialsCheck: NamespaceCheck = perWorkload(wl017, (w) => ({
  problems: allContainers(w.podSpec).flatMap((c) =>
    (c.container.env ?? [])
      .filter((e) => e.value !== undefined && !isPlaceholder(e.value) && !isFlagValue(e.value) && isSensitiveName(e.name))
      .map((e) => `${describe(c)}: move the literal value of env ${e.name} into a Secret`),
  ),
  passMessage: 'no literal credential in env',
}));

const sec001: CheckMeta = {
  id: 'SEC-001',
  title: 'Sensitive ConfigMap',
  severity: 'high',
  category: 'Secrets',
  seedItem: SECRETS_SEED,
  equivalents: ['P:sensitiveConfigmapContent', 'C-0012'],
  fix: 'Report',
};

export const sensitiveConfigMapCheck: NamespaceCheck = {
  ...sec001,
  scope: 'namespace',
  evaluate: (input) =>
    input.configMaps.map((cm) => {
      const problems = Object.entries(cm.data ?? {}).flatMap(([key, value]) => {
        if (isPlaceholder(value)) return [];
        if (isSensitiveName(key) && !isFlagValue(value)) return [`key ${key}: move it into a Secret (its name looks like a credential)`];
        const kind = sensitiveValueKind(value);
        return kind === undefined ? [] : [`key ${key}: move it into a Secret (it contains ${kind})`];
      });
      return fromOutcome(sec001, { kind: 'ConfigMap', namespace: input.namespace.name, name: cm.name }, { problems, passMessage: 'no credential-like data' });
    }),
};

export const credentialChecks: readonly NamespaceCheck[] = [tokenAutomountCheck, secretsAsFilesCheck, literalCredentialsCheck, sensitiveConfigMapCheck];
