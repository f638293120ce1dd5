import type { Finding as StatusFinding } from '../api/status.js';
import { checkById } from '../audit/catalog.js';
import { isAnnotationSkip } from '../audit/exemptions.js';
import { SEVERITY_WEIGHTS, summarize, type Summary } from '../audit/scoring.js';
import type { Finding, Severity } from '../audit/types.js';
import { NamespaceStore } from './store.js';

/** What the last audit of one namespace found, reduced to what the baseline status aggregates. */
export interface NamespaceAudit {
  baseline: string;
  summary: Summary;
  /** Of summary.skip, those an annotation on the resource asked for. */
  annotationSkips: number;
  passedWeight: number;
  evaluatedWeight: number;
  /** Each failing check once, with its severity. */
  failing: readonly { checkId: string; severity: Severity }[];
}

export function reduceFindings(baseline: string, findings: readonly Finding[]): NamespaceAudit {
  let passedWeight = 0;
  let evaluatedWeight = 0;
  const failing = new Map<string, Severity>();
  let annotationSkips = 0;
  for (const f of findings) {
    if (isAnnotationSkip(f)) annotationSkips++;
    if (f.result === 'skip' || f.result === 'error') continue;
    const w = SEVERITY_WEIGHTS[f.severity];
    evaluatedWeight += w;
    if (f.result === 'pass') passedWeight += w;
    else if (f.result === 'fail') failing.set(f.checkId, f.severity);
  }
  return { baseline, summary: summarize(findings), annotationSkips, passedWeight, evaluatedWeight, failing: [...failing].map(([checkId, severity]) => ({ checkId, severity })) };
}

const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const MAX_FINDINGS = 20;
const MAX_EXAMPLES = 3;

export interface AuditAggregate {
  summary: Summary & { annotationSkips: number };
  complianceScore: number;
  compliant: number;
  audited: number;
  findings: StatusFinding[];
}

/** The audit part of a baseline's status, bounded whatever the namespace count. Pure. */
export function aggregateAudits(audits: readonly (readonly [string, NamespaceAudit])[]): AuditAggregate {
  const summary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0, annotationSkips: 0 };
  let passed = 0;
  let evaluated = 0;
  let compliant = 0;
  const byCheck = new Map<string, { severity: Severity; namespaces: string[] }>();
  for (const [ns, a] of audits) {
    for (const k of Object.keys(a.summary) as (keyof Summary)[]) summary[k] += a.summary[k];
    summary.annotationSkips += a.annotationSkips;
    passed += a.passedWeight;
    evaluated += a.evaluatedWeight;
    if (a.failing.length === 0) compliant++;
    for (const { checkId, severity } of a.failing) {
      let entry = byCheck.get(checkId);
      if (entry === undefined) byCheck.set(checkId, (entry = { severity, namespaces: [] }));
      entry.namespaces.push(ns);
    }
  }
  const findings = [...byCheck]
    .sort(([idA, a], [idB, b]) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || b.namespaces.length - a.namespaces.length || idA.localeCompare(idB))
    .slice(0, MAX_FINDINGS)
    .map(([checkId, e]) => ({
      check: checkId,
      title: checkById(checkId)?.title ?? checkId,
      severity: e.severity,
      namespaces: e.namespaces.length,
      examples: [...e.namespaces].sort().slice(0, MAX_EXAMPLES),
    }));
  return { summary, complianceScore: evaluated === 0 ? 100 : Math.round((100 * passed) / evaluated), compliant, audited: audits.length, findings };
}

/** Per-namespace audits, indexed by the baseline that audited them. */
export class AuditStore extends NamespaceStore<NamespaceAudit> {
  constructor(onChange?: (baseline: string) => void) {
    super((audit) => [audit.baseline], onChange);
  }
}
