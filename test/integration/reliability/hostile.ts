// A seeded generator of SecurityBaseline specs, valid and hostile: huge lists, unicode, very long
// strings, deeply nested selectors, wrong types, unknown fields, forbidden RBAC, cross-field
// contradictions and plausible typos. Every valid spec selects only namespaces labelled with the
// run's id, so the generated baselines never reach beyond the test's own namespaces.
import { CATALOG } from '../../../src/audit/catalog.js';
import type { Rng } from './support.js';

export const FUZZ_LABEL = 'posture.dev/fuzz';
/** Extra namespace labels the selectors play with. */
export const NAMESPACE_LABELS: Record<string, readonly string[]> = { team: ['a', 'b', 'c'], env: ['dev', 'prod'], tier: ['x', 'y', 'z'] };

type Json = Record<string, unknown>;

export interface Generated {
  spec: Json;
  /** valid, or the mutations applied to a valid spec. */
  intent: 'valid' | string[];
}

const UNICODE = [
  'équipe-sécurité',
  '安全チーム',
  'группа-безопасности',
  'فريق',
  '🙂-team-👩‍💻',
  'zero\u200bwidth\u200djoiner',
  'rtl\u202eevil\u202c',
  'combining-e\u0301\u0301\u0301',
  'Ω≈ç√∫˜µ≤≥÷',
  'tab\tand\nnewline',
];
const CHECK_IDS = CATALOG.map((c) => c.id);
/** What config/rbac lets the operator grant (it holds get, list and watch on these). */
const GRANTABLE: Record<string, readonly string[]> = {
  '': ['pods', 'services', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts'],
  apps: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'],
  batch: ['jobs', 'cronjobs'],
  'networking.k8s.io': ['ingresses'],
};
const QUOTA_KEYS = ['pods', 'services', 'configmaps', 'persistentvolumeclaims', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'requests.storage', 'count/deployments.apps', 'services.loadbalancers'];
const BIG_QUOTA: Record<string, string> = { 'requests.cpu': '64', 'requests.memory': '128Gi', 'limits.cpu': '128', 'limits.memory': '256Gi', 'requests.storage': '1Ti' };

function subset<T>(rng: Rng, items: readonly T[], min: number, max: number): T[] {
  return rng.shuffle(items).slice(0, rng.int(min, Math.min(max, items.length)));
}

function dnsLabel(rng: Rng, max = 20): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = 'r';
  const n = rng.int(0, max - 1);
  for (let i = 0; i < n; i++) s += chars[rng.int(0, chars.length - 1)] ?? 'a';
  return s;
}

/** A string of at most `max` UTF-16 code units, often unicode, sometimes exactly at the limit. */
function text(rng: Rng, max: number): string {
  if (rng.chance(0.1)) return 'x'.repeat(max);
  let s = rng.pick(UNICODE);
  while (s.length < max && rng.chance(0.5)) s += ` ${rng.pick(UNICODE)}`;
  return s.length > max ? s.slice(0, max).replace(/[\ud800-\udbff]$/, '') : s;
}

function selector(rng: Rng, run: string, big: boolean): Json {
  const matchLabels: Record<string, string> = { [FUZZ_LABEL]: run };
  for (const [k, values] of Object.entries(NAMESPACE_LABELS)) if (rng.chance(0.25)) matchLabels[k] = rng.pick(values);
  const out: Json = { matchLabels };
  const count = big ? 32 : rng.int(0, 2);
  if (count > 0) {
    out.matchExpressions = Array.from({ length: count }, () => {
      const key = rng.pick(Object.keys(NAMESPACE_LABELS));
      const operator = rng.pick(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const);
      if (operator === 'Exists' || operator === 'DoesNotExist') return { key, operator };
      const known = NAMESPACE_LABELS[key] ?? [];
      // As many values as a requirement may hold (the CRD and zod cap them at 32 for the CEL cost budget).
      const values = big ? [...known, ...Array.from({ length: 32 - known.length }, (_, i) => `v${i}`)] : subset(rng, known, 1, known.length);
      return { key, operator, values };
    });
  }
  return out;
}

function role(rng: Rng, name: string, big: boolean): Json {
  const rules = Array.from({ length: rng.int(1, 3) }, () => {
    const group = rng.pick(Object.keys(GRANTABLE));
    return { apiGroups: [group], resources: subset(rng, GRANTABLE[group] ?? [], 1, 4), verbs: subset(rng, ['get', 'list', 'watch'], 1, 3) };
  });
  const subjects = Array.from({ length: big ? 32 : rng.int(1, 4) }, () => {
    const kind = rng.pick(['Group', 'User', 'ServiceAccount'] as const);
    return kind === 'ServiceAccount' ? { kind, name: dnsLabel(rng), namespace: dnsLabel(rng, 10) } : { kind, name: text(rng, big ? 253 : 60) };
  });
  return { name, rules, subjects };
}

/** A spec the schema and the operator both accept, with every field exercised now and then. */
export function validSpec(rng: Rng, run: string): Json {
  const big = rng.chance(0.05);
  const spec: Json = { namespaceSelector: selector(rng, run, big) };
  if (rng.chance(0.3)) spec.mode = 'Enforce';
  if (rng.chance(0.7)) spec.priority = rng.int(0, 1_000_000);
  if (rng.chance(0.2)) spec.deletionPolicy = rng.pick(['Delete', 'Orphan']);
  if (rng.chance(0.3) || big) {
    const n = big ? 256 : rng.int(1, 5);
    spec.excludeNamespaces = Array.from({ length: n }, (_, i) => (i === 0 && rng.chance(0.3) ? 'x'.repeat(63) : rng.pick(['zz-*', 'legacy-?', `nomatch-${i}`, '*-never', 'a?b*c'])));
  }
  if (rng.chance(0.7)) {
    const defaultDeny = subset(rng, ['Ingress', 'Egress'], 0, 2);
    spec.networkPolicy = {
      defaultDeny,
      allowDNS: rng.chance(0.5),
      allowSameNamespace: rng.chance(0.5),
      allowIngressFrom: Array.from({ length: big ? 16 : rng.int(0, 2) }, () => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': dnsLabel(rng) } } })),
    };
  }
  const quota = rng.chance(0.4);
  if (quota) {
    const keys = subset(rng, QUOTA_KEYS, 1, QUOTA_KEYS.length);
    spec.resourceQuota = { hard: Object.fromEntries(keys.map((k) => [k, BIG_QUOTA[k] ?? String(rng.int(1, 1000))])) };
  }
  if (rng.chance(0.3)) {
    const lr: Json = {};
    if (rng.chance(0.7)) lr.max = { cpu: '4', memory: '8Gi' };
    if (rng.chance(0.7)) lr.default = { cpu: '500m', memory: '512Mi' };
    if (rng.chance(0.7)) lr.defaultRequest = { cpu: '100m', memory: '128Mi' };
    if (rng.chance(0.3)) lr.min = { cpu: '10m', memory: '16Mi' };
    if (Object.keys(lr).length > 0) spec.limitRange = lr;
  }
  if (rng.chance(0.4)) {
    const levels = ['privileged', 'baseline', 'restricted'] as const;
    const ps: Json = {};
    for (const mode of ['enforce', 'warn', 'audit']) if (rng.chance(0.6)) ps[mode] = rng.pick(levels);
    if (rng.chance(0.2)) ps.version = rng.pick(['latest', 'v1.30', 'v1.36']);
    spec.podSecurity = ps;
  }
  if (rng.chance(0.4) || big) {
    const names = [...new Set(Array.from({ length: big ? 8 : rng.int(0, 3) }, () => dnsLabel(rng, 12)))];
    spec.rbac = {
      roles: names.map((n) => role(rng, n, big)),
      bindClusterRoles: rng.chance(0.4) ? [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: text(rng, 100) }] }] : [],
    };
  }
  if (rng.chance(0.3) || big) {
    spec.audit = {
      allowedRegistries: subset(rng, ['registry.example.com', 'ghcr.io/acme', 'quay.io', 'localhost:5000/x'], 0, 4),
      disabledChecks: subset(rng, CHECK_IDS, 0, big ? 64 : 3),
      exemptions: Array.from({ length: big ? 64 : rng.int(0, 2) }, () => ({
        checks: subset(rng, CHECK_IDS, 1, 3),
        reason: text(rng, 256),
        ...(rng.chance(0.5) ? { namespaces: ['fz-*', `x${rng.int(0, 9)}`] } : {}),
        ...(rng.chance(0.5) ? { expires: rng.pick(['2030-01-01T00:00:00Z', '2020-06-15T12:30:00+02:00', '2027-03-01T00:00:00.123Z']) } : {}),
      })),
      ...(rng.chance(0.3) ? { oidcGroupPrefix: text(rng, 128) } : {}),
    };
  }
  return spec;
}

function nested(depth: number): Json {
  let v: Json = { leaf: 'x' };
  for (let i = 0; i < depth; i++) v = { n: v };
  return v;
}

/** The valid spec's matchLabels, which hold the run's label: a mutated selector keeps them, so it can never reach further. */
function scope(s: Json): Json {
  const sel = s.namespaceSelector as Json | undefined;
  return { matchLabels: sel?.matchLabels };
}

/** Makes a valid spec invalid, in one of many ways; returns the name of what it did. */
const MUTATIONS: Record<string, (spec: Json, rng: Rng) => void> = {
  'wrong type: priority string': (s) => { s.priority = 'high'; },
  'wrong type: priority float': (s) => { s.priority = 1.5; },
  'out of range: priority': (s, r) => { s.priority = r.pick([-1, 1_000_001, 2 ** 53]); },
  'enum: mode': (s, r) => { s.mode = r.pick(['Sometimes', 'enforce', '', 'ENFORCE']); },
  'enum: defaultDeny': (s) => { s.networkPolicy = { defaultDeny: ['Sideways'] }; },
  'duplicate set item: defaultDeny': (s) => { s.networkPolicy = { defaultDeny: ['Ingress', 'Ingress'] }; },
  'wrong type: allowDNS': (s) => { s.networkPolicy = { allowDNS: 'yes' }; },
  'wrong type: namespaceSelector': (s, r) => { s.namespaceSelector = r.pick(['all', [], 42]); },
  'missing: namespaceSelector': (s) => { delete s.namespaceSelector; },
  'unknown field: spec': (s, r) => { s[r.pick(['colour', 'namespaceSelectors', 'Mode', '💥'])] = 'x'; },
  'unknown field: nested': (s) => { s.networkPolicy = { defaultDeny: ['Ingress'], allowDns: true }; },
  'deeply nested unknown field': (s, r) => { s.extra = nested(r.int(20, 200)); },
  'deeply nested selector': (s, r) => { s.namespaceSelector = { matchLabels: { [FUZZ_LABEL]: nested(r.int(5, 100)) } }; },
  'deeply nested matchExpressions': (s, r) => { s.namespaceSelector = { ...scope(s), matchExpressions: [{ key: 'team', operator: 'In', values: [nested(r.int(5, 100))] }] }; },
  'huge list: excludeNamespaces': (s, r) => { s.excludeNamespaces = Array.from({ length: r.int(257, 3000) }, (_, i) => `ns-${i}`); },
  'huge list: matchExpressions': (s, r) => { s.namespaceSelector = { ...scope(s), matchExpressions: Array.from({ length: r.int(33, 500) }, () => ({ key: 'team', operator: 'Exists' })) }; },
  'huge list: selector values': (s, r) => { s.namespaceSelector = { ...scope(s), matchExpressions: [{ key: 'team', operator: 'In', values: Array.from({ length: r.int(65, 2000) }, (_, i) => `v${i}`) }] }; },
  'huge list: subjects': (s, r) => { s.rbac = { roles: [{ name: 'r', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: Array.from({ length: r.int(33, 1000) }, (_, i) => ({ kind: 'Group', name: `g${i}` })) }] }; },
  'huge list: roles': (s, r) => { s.rbac = { roles: Array.from({ length: r.int(33, 100) }, (_, i) => ({ name: `r${i}`, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] })) }; },
  'huge map: quota': (s, r) => { s.resourceQuota = { hard: Object.fromEntries(Array.from({ length: r.int(500, 3000) }, (_, i) => [`example.com/r${i}`, 'lots'])) }; },
  'long string: exclude pattern': (s, r) => { s.excludeNamespaces = ['a'.repeat(r.int(64, 20_000))]; },
  'long string: exemption reason': (s, r) => { s.audit = { exemptions: [{ checks: ['WL-012'], reason: '理由'.repeat(r.int(129, 20_000)) }] }; },
  'long string: subject name': (s, r) => { s.rbac = { roles: [{ name: 'r', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g'.repeat(r.int(254, 50_000)) }] }] }; },
  'long string: role name': (s) => { s.rbac = { roles: [{ name: 'r'.repeat(56), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] }] }; },
  'long string: quantity': (s, r) => { s.resourceQuota = { hard: { pods: '9'.repeat(r.int(65, 5000)) } }; },
  'long string: label value in selector': (s) => { s.namespaceSelector = { matchLabels: { ...(scope(s).matchLabels as Json), team: 'v'.repeat(64) } }; },
  'unicode: exclude pattern': (s, r) => { s.excludeNamespaces = [r.pick(UNICODE)]; },
  'unicode: role name': (s, r) => { s.rbac = { roles: [{ name: r.pick(UNICODE), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] }] }; },
  'unicode: registry': (s, r) => { s.audit = { allowedRegistries: [r.pick(UNICODE)] }; },
  'unicode: quantity': (s) => { s.resourceQuota = { hard: { pods: '１００' } }; },
  'regex: role name': (s) => { s.rbac = { roles: [{ name: 'Bad_Name', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] }] }; },
  'regex: ServiceAccount namespace': (s) => { s.rbac = { bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: 'Not A Namespace' }] }] }; },
  'rbac: wildcard verb': (s, r) => { s.rbac = { roles: [{ name: 'r', rules: [{ apiGroups: [''], resources: ['pods'], verbs: [r.pick(['*', 'escalate', 'bind', 'impersonate'])] }], subjects: [{ kind: 'Group', name: 'g' }] }] }; },
  'rbac: wildcard resource': (s, r) => { s.rbac = { roles: [{ name: 'r', rules: [{ apiGroups: [''], resources: [r.pick(['*', 'pods/*'])], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] }] }; },
  'rbac: wildcard group': (s) => { s.rbac = { roles: [{ name: 'r', rules: [{ apiGroups: ['*'], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] }] }; },
  'rbac: duplicate role names': (s) => { s.rbac = { roles: ['r', 'r'].map((name) => ({ name, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] })) }; },
  'rbac: SA subject without namespace': (s) => { s.rbac = { bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'ServiceAccount', name: 'ci' }] }] }; },
  'rbac: Group subject with namespace': (s) => { s.rbac = { bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'g', namespace: 'ns' }] }] }; },
  'cross-field: role binding name collides with a ClusterRole binding': (s) => {
    s.rbac = { roles: [{ name: 'view', rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], subjects: [{ kind: 'Group', name: 'g' }] }], bindClusterRoles: [{ clusterRole: 'view', subjects: [{ kind: 'Group', name: 'g' }] }] };
  },
  'cross-field: LimitRange default above max': (s) => { s.limitRange = { default: { cpu: '2' }, max: { cpu: '1' } }; },
  'cross-field: defaultRequest above default': (s) => { s.limitRange = { default: { memory: '1Gi' }, defaultRequest: { memory: '2Gi' } }; },
  'cross-field: min above max': (s) => { s.limitRange = { min: { cpu: '3' }, max: { cpu: '2' } }; },
  'cross-field: LimitRange default above the quota': (s) => { s.resourceQuota = { hard: { 'limits.cpu': '1' } }; s.limitRange = { default: { cpu: '2' } }; },
  'quantity: not a quantity': (s, r) => { s.resourceQuota = { hard: { 'requests.cpu': r.pick(['lots', '1.2.3', '--1', '1e', 'Gi', ' 1']) } }; },
  'quota: empty hard': (s) => { s.resourceQuota = { hard: {} }; },
  'quota: key with spaces': (s) => { s.resourceQuota = { hard: { 'bad key!': '1' } }; },
  'selector: In without values': (s) => { s.namespaceSelector = { ...scope(s), matchExpressions: [{ key: 'team', operator: 'In' }] }; },
  'selector: Exists with values': (s) => { s.namespaceSelector = { ...scope(s), matchExpressions: [{ key: 'team', operator: 'Exists', values: ['a'] }] }; },
  'selector: unknown operator': (s) => { s.namespaceSelector = { ...scope(s), matchExpressions: [{ key: 'team', operator: 'Near', values: ['a'] }] }; },
  'audit: unknown check': (s) => { s.audit = { disabledChecks: ['WL-999'] }; },
  'audit: malformed expiry': (s, r) => { s.audit = { exemptions: [{ checks: ['WL-012'], reason: 'r', expires: r.pick(['next tuesday', '2027-13-01', '2027-03-01 00:00:00']) }] }; },
  'podSecurity: unknown level': (s) => { s.podSecurity = { enforce: 'strict' }; },
  'podSecurity: bad version': (s) => { s.podSecurity = { enforce: 'baseline', version: 'v2.0' }; },
  'null: optional section': (s, r) => { s[r.pick(['networkPolicy', 'resourceQuota', 'rbac', 'audit'])] = null; },
};

export const MUTATION_NAMES = Object.keys(MUTATIONS);

/** Half valid; the other half a valid spec with one to three mutations. */
export function generate(rng: Rng, run: string): Generated {
  const spec = validSpec(rng, run);
  if (rng.chance(0.5)) return { spec, intent: 'valid' };
  const applied = Array.from({ length: rng.int(1, 3) }, () => rng.pick(MUTATION_NAMES));
  for (const name of applied) MUTATIONS[name]?.(spec, rng);
  return { spec, intent: applied };
}
