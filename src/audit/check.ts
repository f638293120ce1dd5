import type { AuditInput, Category, ClusterAuditInput, Finding, FixMode, ResourceRef, Result, Severity, Workload } from './types.js';

export interface CheckMeta {
  id: string;
  title: string;
  severity: Severity;
  category: Category;
  /** The seed checklist item the check serves (short text). */
  seedItem: string;
  /** P:<Polaris check>, KS:<kube-score check>, C-<Kubescape>, CIS <5.x>, KSV-<Trivy>, PSS-B / PSS-R. */
  equivalents: readonly string[];
  fix: FixMode;
}

export interface NamespaceCheck extends CheckMeta {
  scope: 'namespace';
  evaluate: (input: AuditInput) => Finding[];
  /**
   * Built by perWorkload: its findings are one per workload, in order, each independent of the
   * other workloads, so it may be run on slices of input.workloads (the audit yields in between).
   */
  perWorkload?: true;
}

export interface ClusterCheck extends CheckMeta {
  scope: 'cluster';
  evaluate: (input: ClusterAuditInput) => Finding[];
}

export type CheckDefinition = NamespaceCheck | ClusterCheck;

export interface FindingExtras {
  severity?: Severity;
  properties?: Readonly<Record<string, string>>;
  equivalents?: readonly string[];
}

export function finding(meta: CheckMeta, resource: ResourceRef, result: Result, message: string, extras: FindingExtras = {}): Finding {
  const out: Finding = { checkId: meta.id, result, severity: extras.severity ?? meta.severity, resource, message };
  if (extras.properties !== undefined) out.properties = extras.properties;
  if (extras.equivalents !== undefined) out.equivalents = extras.equivalents;
  return out;
}

export function workloadRef(w: Workload): ResourceRef {
  return { kind: w.kind, namespace: w.namespace, name: w.name };
}

/** One verdict on one resource: problems empty means pass. */
export interface Outcome {
  problems: readonly string[];
  /** Message when passing (default: "compliant"). */
  passMessage?: string;
  /** Result to report instead of pass when nothing is wrong (e.g. 'skip' when not applicable). */
  resultWhenClean?: Result;
  severity?: Severity;
  properties?: Readonly<Record<string, string>>;
  equivalents?: readonly string[];
}

export function fromOutcome(meta: CheckMeta, resource: ResourceRef, outcome: Outcome): Finding {
  const failing = outcome.problems.length > 0;
  const extras: FindingExtras = {};
  if (failing && outcome.severity !== undefined) extras.severity = outcome.severity;
  if (outcome.properties !== undefined) extras.properties = outcome.properties;
  if (failing && outcome.equivalents !== undefined) extras.equivalents = outcome.equivalents;
  if (failing) return finding(meta, resource, 'fail', outcome.problems.join('; '), extras);
  return finding(meta, resource, outcome.resultWhenClean ?? 'pass', outcome.passMessage ?? 'compliant', extras);
}

/** A check evaluated once per workload. */
export function perWorkload(meta: CheckMeta, evaluate: (w: Workload, input: AuditInput) => Outcome): NamespaceCheck {
  return {
    ...meta,
    scope: 'namespace',
    perWorkload: true,
    evaluate: (input) => input.workloads.map((w) => fromOutcome(meta, workloadRef(w), evaluate(w, input))),
  };
}

/**
 * The equivalents a finding is about: every equivalent that is not another tool's per-check id
 * (P:, KS:), plus the listed ones. Used to narrow exemption annotations to what actually failed.
 */
export function narrowEquivalents(meta: CheckMeta, keep: readonly string[]): string[] {
  return meta.equivalents.filter((e) => !(e.startsWith('P:') || e.startsWith('KS:')) || keep.includes(e));
}
