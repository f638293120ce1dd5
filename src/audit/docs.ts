/** docs/checks.md is generated from the catalog by catalogMarkdown(); a unit test keeps them equal. */
import { CATALOG } from './catalog.js';
import type { CheckDefinition } from './check.js';
import { EXEMPTION_EXPIRED } from './exemptions.js';

const CATEGORY_ORDER = ['Namespace', 'Workload', 'Image', 'RBAC', 'Secrets', 'Network', 'Cluster'];

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function row(c: CheckDefinition): string {
  const equivalents = c.equivalents.length === 0 ? 'none' : c.equivalents.join(', ');
  return `| ${c.id} | ${cell(c.title)} | ${c.severity} | ${cell(equivalents)} | ${cell(c.fix)} | ${cell(c.seedItem)} |`;
}

/** The checks table in Markdown, one section per category, in catalog order. */
export function catalogMarkdown(): string {
  const lines = [
    '# Audit checks',
    '',
    '<!-- Generated from src/audit/catalog.ts by catalogMarkdown() in src/audit/docs.ts; do not edit. -->',
    '',
    `${CATALOG.length} checks. Equivalents: P: = Polaris, KS: = kube-score, C- = Kubescape, CIS = CIS Kubernetes Benchmark, KSV- = Trivy, PSS-B / PSS-R = Pod Security Standards baseline / restricted.`,
    'Fix: Auto = the operator fixes it; Opt-in = automatic when enabled; Report = reported only; PSA = enforced by Pod Security Admission labels.',
  ];
  for (const category of CATEGORY_ORDER) {
    const checks = CATALOG.filter((c) => c.category === category);
    if (checks.length === 0) continue;
    lines.push('', `## ${category}`, '', '| id | title | severity | equivalents | fix | seed item |', '|---|---|---|---|---|---|');
    lines.push(...checks.map(row));
  }
  lines.push(
    '',
    '## NetworkPolicies are additive',
    '',
    'Kubernetes NetworkPolicies only ever add allowed traffic: a pod selected by several policies may send and receive whatever any of them allows. The default-deny policy the operator writes (`posture-default-deny`) therefore stops nothing that another policy in the namespace allows, and a tenant with the `edit` or `admin` role can write such a policy. An `allow-everything` policy (`ingress: [{}]`, egress to `namespaceSelector: {}`) leaves NS-002 passing (the default-deny is there), WL-015 passing (the pods are selected) and NET-003 passing (in-cluster peers are not the metadata address), while the namespace is open.',
    '',
    'NET-005 reports it: it fails every rule that opens a direction to everyone on every port (no `from`/`to`, a `{}` namespace selector, or an ipBlock of `0.0.0.0/0` or `::/0`). A rule open to everyone on a few listed ports (at most 16, e.g. a public web port) passes with the ports named in its message. Reporting does not close the hole: to make default-deny hold against tenants, forbid them from writing such policies with the admission guard rails (`spec.guard`, docs/guardrails.md) or enforce the deny with an AdminNetworkPolicy, which tenants cannot override, where the CNI supports it.',
    '',
    '## Pod Security version',
    '',
    "The workload checks with a PSS-B or PSS-R equivalent (WL-001 to WL-011) judge a workload as Pod Security Admission would admit its pods in that namespace: at the policy version the namespace carries in `pod-security.kubernetes.io/enforce-version` (the operator writes `spec.podSecurity.version` there; unset or unparseable means `latest`, as for the API server), v1.0 up to latest. A pinned version changes verdicts both ways: before v1.34 a probe `host` is allowed, before v1.32 `net.ipv4.tcp_rmem` is not. Where the pinned version and latest differ, the message says so: `allowed at Pod Security v1.31, the namespace's pinned enforce-version (latest would not: ...)` on a pass, `...; forbidden at Pod Security v1.31, the namespace's pinned enforce-version, though latest allows it` on a failure. A restricted rule the version does not have yet (allowPrivilegeEscalation before v1.8, drop ALL before v1.22, runAsUser=0 before v1.23) passes. WL-012 and the other checks are not Pod Security rules and ignore the version.",
    '',
    '## Exemptions',
    '',
    `An exemption turns a failing finding into \`skip\` with its reason: \`spec.audit.exemptions\`, the annotation \`posture.dev/exempt: "<id>,..."\` (with \`posture.dev/exempt-reason\`), and, for checks with a Polaris or kube-score equivalent, \`polaris.fairwinds.com/<check>-exempt: "true"\` and \`kube-score/ignore: "<check>,..."\`. An expired spec exemption no longer applies and is reported as \`${EXEMPTION_EXPIRED}\` (severity low).`,
    '',
    'Annotations are written by whoever edits the resource, tenants included. `spec.audit.annotationExemptions` decides whether they count: `Allowed` (default), `Disabled`, or `AllowList` with `spec.audit.annotationExemptChecks`. Skips caused by annotations are marked as such in the result and counted in `status.summary.annotationSkips`; an ignored annotation is named in the failing result.',
    '',
  );
  return lines.join('\n');
}
