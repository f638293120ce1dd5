import type { Mode } from '../api/securitybaseline.js';
import { MAX_PLANNED_EXAMPLES, type Conflict, type DriftStatus, type NamespaceCounts, type PlannedChanges, type SecurityBaselineStatus } from '../api/status.js';
import { ConditionType, Reason, withTransitions, type ConditionInput } from './conditions.js';
import type { AuditAggregate } from './auditstore.js';
import type { NamespaceResult } from './results.js';

export interface StatusInput {
  name: string;
  generation: number;
  /** undefined when the spec does not parse. */
  mode: Mode | undefined;
  invalidSpec: string | undefined;
  results: readonly (readonly [string, NamespaceResult])[];
  previous: SecurityBaselineStatus | undefined;
  drift: DriftStatus | undefined;
  /** Namespaces not yet evaluated against this generation; the counts are partial until it is 0. */
  pendingNamespaces: number;
  /** The audits of the namespaces this baseline wins. */
  audit: AuditAggregate;
  now: Date;
}

const MAX_CONFLICTS = 10;
const MAX_CONFLICT_EXAMPLES = 5;

/** Other baselines that select the same namespaces, from this baseline's side: won or lost. Bounded. */
export function conflictsOf(name: string, results: readonly (readonly [string, NamespaceResult])[]): Conflict[] {
  const byOther = new Map<string, { won: boolean; namespaces: string[] }>();
  const add = (other: string, won: boolean, ns: string): void => {
    const key = `${other}/${String(won)}`;
    let entry = byOther.get(key);
    if (entry === undefined) byOther.set(key, (entry = { won, namespaces: [] }));
    entry.namespaces.push(ns);
  };
  for (const [ns, r] of results) {
    if (r.winner === name) for (const loser of r.losers) add(loser, true, ns);
    else if (r.winner !== undefined && r.losers.includes(name)) add(r.winner, false, ns);
  }
  return [...byOther.entries()]
    .map(([key, v]) => ({
      baseline: key.slice(0, key.lastIndexOf('/')),
      won: v.won,
      namespaces: v.namespaces.length,
      examples: [...v.namespaces].sort().slice(0, MAX_CONFLICT_EXAMPLES),
    }))
    .sort((a, b) => b.namespaces - a.namespaces || a.baseline.localeCompare(b.baseline))
    .slice(0, MAX_CONFLICTS);
}

const MAX_NAMED_NAMESPACES = 5;

function exampleList(names: readonly string[]): string {
  const shown = [...names].sort().slice(0, MAX_NAMED_NAMESPACES).join(', ');
  return names.length > MAX_NAMED_NAMESPACES ? `${shown} and ${names.length - MAX_NAMED_NAMESPACES} more` : shown;
}

type Results = readonly (readonly [string, NamespaceResult])[];

/** The status of one baseline, from the per-namespace results. Pure; bounded in size whatever the namespace count. */
export function computeStatus(input: StatusInput): SecurityBaselineStatus {
  const { name, generation, mode, invalidSpec, results, previous, drift, pendingNamespaces, audit, now } = input;
  const won = results.filter(([, r]) => r.winner === name);
  const counts = namespaceCounts(name, results, won);
  const planned = plannedChanges(won);
  const conditions = readiness({ ...input, won, counts, planned });
  const none = invalidSpec === undefined && pendingNamespaces === 0 && counts.selected === 0 ? nothingCovered(name, counts, results) : undefined;
  conditions.splice(1, 0, none === undefined ? compliantCondition(invalidSpec, counts.selected, pendingNamespaces, audit) : { type: ConditionType.Compliant, status: 'Unknown', ...none });
  counts.compliant = audit.compliant;
  const status: SecurityBaselineStatus = {
    observedGeneration: generation,
    conditions: withTransitions(conditions, previous?.conditions, generation, now),
    namespaces: counts,
  };
  // No score for nothing: 100 over zero namespaces would read as a clean bill of health.
  if (invalidSpec === undefined && none === undefined) {
    status.complianceScore = audit.complianceScore;
    status.summary = audit.summary;
    status.findings = audit.findings;
  }
  if (drift !== undefined) status.drift = drift;
  const conflicts = conflictsOf(name, results);
  if (conflicts.length > 0) status.conflicts = conflicts;
  if (mode === 'Audit') status.plannedChanges = planned;
  return status;
}

function namespaceCounts(name: string, results: Results, won: Results): NamespaceCounts {
  const counts: NamespaceCounts = {
    selected: won.length,
    enforced: won.filter(([, r]) => r.inSync).length,
    conflicted: results.filter(([, r]) => r.winner !== name && r.losers.includes(name)).length,
  };
  const excluded = results.filter(([, r]) => r.excluded?.includes(name) === true).length;
  if (excluded > 0) counts.excluded = excluded;
  return counts;
}

/** What Enforce would write (Audit mode's status.plannedChanges). */
function plannedChanges(won: Results): PlannedChanges {
  const planned: PlannedChanges = {
    namespaces: won.filter(([, r]) => !r.inSync).length,
    create: sum(won, (r) => r.planned.create),
    update: sum(won, (r) => r.planned.update),
    delete: sum(won, (r) => r.planned.delete),
  };
  // Namespaces in name order, so the examples (and the status) change only when the writes do.
  const examples = [...won]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([, r]) => r.planned.examples ?? [])
    .slice(0, MAX_PLANNED_EXAMPLES);
  if (examples.length > 0) planned.examples = examples;
  return planned;
}

interface Facts extends StatusInput {
  won: Results;
  counts: NamespaceCounts;
  planned: PlannedChanges;
}

/** Ready, Reconciling and Stalled, from the first of these that holds, in this order. */
function readiness(f: Facts): ConditionInput[] {
  const { counts, won } = f;
  const pending = won.filter(([, r]) => !r.inSync && r.error === undefined);
  if (f.invalidSpec !== undefined) {
    return [
      { type: ConditionType.Ready, status: 'False', reason: Reason.InvalidSpec, message: f.invalidSpec },
      { type: ConditionType.Reconciling, status: 'False', reason: Reason.InvalidSpec, message: 'Waiting for a valid spec.' },
      { type: ConditionType.Stalled, status: 'True', reason: Reason.InvalidSpec, message: f.invalidSpec },
    ];
  }
  // No running count in the message: it would change, and be written, every second of the pass.
  if (f.pendingNamespaces > 0) return progressing(`Evaluating every namespace against generation ${f.generation}.`);
  if (won.some(([, r]) => r.error !== undefined)) return failing(won, pending.length);
  if (f.mode === 'Audit') return settled(Reason.Audited, auditMessage(counts, f.planned, won), 'Audit mode writes nothing into namespaces.');
  if (pending.length > 0) return progressing(`${counts.enforced} of ${counts.selected} namespace(s) enforced; in progress: ${exampleList(pending.map(([n]) => n))}.`);
  if (counts.selected === 0) {
    const { reason, message } = nothingCovered(f.name, counts, f.results);
    return settled(reason, message, '');
  }
  return settled(Reason.Enforced, `All ${counts.selected} selected namespace(s) enforced.`, '');
}

function progressing(message: string): ConditionInput[] {
  return [
    { type: ConditionType.Ready, status: 'False', reason: Reason.Progressing, message },
    { type: ConditionType.Reconciling, status: 'True', reason: Reason.Progressing, message },
    { type: ConditionType.Stalled, status: 'False', reason: Reason.Progressing, message: '' },
  ];
}

function settled(reason: string, message: string, reconciling: string): ConditionInput[] {
  return [
    { type: ConditionType.Ready, status: 'True', reason, message },
    { type: ConditionType.Reconciling, status: 'False', reason: Reason.Idle, message: reconciling },
    { type: ConditionType.Stalled, status: 'False', reason: Reason.Idle, message: '' },
  ];
}

function failing(won: Results, pending: number): ConditionInput[] {
  const failed = won.filter(([, r]) => r.error !== undefined);
  const first = failed[0]?.[1].error ?? '';
  const message = `${failed.length} namespace(s) cannot be enforced (${exampleList(failed.map(([n]) => n))}): ${first}`;
  // Stalled is for the baseline as a whole (what it asks cannot be done anywhere). What a tenant
  // did in one namespace must not mark every other namespace's protection as failed (Argo CD
  // shows Stalled as Degraded): then it is Ready=False for the namespaces named, and not Stalled.
  const everywhere = failed.length === won.length;
  return [
    { type: ConditionType.Ready, status: 'False', reason: Reason.ApplyFailed, message },
    { type: ConditionType.Reconciling, status: pending > 0 ? 'True' : 'False', reason: pending > 0 ? Reason.Progressing : Reason.ApplyFailed, message: `${pending} namespace(s) in progress.` },
    everywhere
      ? { type: ConditionType.Stalled, status: 'True', reason: Reason.ApplyFailed, message }
      : { type: ConditionType.Stalled, status: 'False', reason: Reason.NamespacesFailed, message: `${won.length - failed.length} of ${won.length} namespace(s) enforced; only the ones named in Ready fail.` },
  ];
}

function auditMessage(counts: NamespaceCounts, planned: PlannedChanges, won: Results): string {
  if (planned.namespaces === 0) return `Audit mode: all ${counts.selected} selected namespace(s) match the baseline.`;
  const where = exampleList(won.filter(([, r]) => !r.inSync).map(([n]) => n));
  return `Audit mode: Enforce would write into ${planned.namespaces} of ${counts.selected} namespace(s) (create ${planned.create}, update ${planned.update}, delete ${planned.delete}): ${where}.`;
}

/**
 * A baseline that covers no namespace enforces nothing: say why, in words that cannot be read as
 * healthy. LostAllNamespaces when every namespace it selects went to another baseline.
 */
function nothingCovered(name: string, counts: NamespaceCounts, results: readonly (readonly [string, NamespaceResult])[]): { reason: string; message: string } {
  if (counts.conflicted > 0) {
    const winners = [...new Set(results.filter(([, r]) => r.winner !== undefined && r.winner !== name).map(([, r]) => r.winner ?? ''))].sort();
    return {
      reason: Reason.LostAllNamespaces,
      message: `Every namespace this baseline selects (${counts.conflicted}) is taken by a baseline with a higher priority (${exampleList(winners)}): nothing of ${name} is enforced or audited. See status.conflicts.`,
    };
  }
  const excluded = (counts.excluded ?? 0) > 0 ? ` (${counts.excluded ?? 0} matching namespace(s) are excluded by spec.excludeNamespaces)` : '';
  return {
    reason: Reason.NoNamespaces,
    message: `No namespace is selected${excluded}: nothing is enforced or audited. Check that spec.namespaceSelector matches the labels of the namespaces it is meant for.`,
  };
}

/** Compliant: every selected namespace audited, and no check failing in any of them. */
function compliantCondition(invalidSpec: string | undefined, selected: number, pending: number, audit: AuditAggregate): ConditionInput {
  const type = ConditionType.Compliant;
  if (invalidSpec !== undefined) return { type, status: 'Unknown', reason: Reason.InvalidSpec, message: 'Not audited while the spec is invalid.' };
  if (pending > 0 || audit.audited < selected) {
    return { type, status: 'Unknown', reason: Reason.Evaluating, message: `${audit.audited} of ${selected} namespace(s) audited.` };
  }
  if (audit.findings.length === 0) return { type, status: 'True', reason: Reason.NoFindings, message: `All ${selected} selected namespace(s) pass every check.` };
  const top = audit.findings
    .slice(0, 3)
    .map((f) => `${f.check} (${f.severity}) in ${f.namespaces}`)
    .join(', ');
  return {
    type,
    status: 'False',
    reason: Reason.FindingsOpen,
    message: `${selected - audit.compliant} of ${selected} namespace(s) fail checks; ${top}. Score ${audit.complianceScore}.`,
  };
}

function sum(rows: readonly (readonly [string, NamespaceResult])[], pick: (r: NamespaceResult) => number): number {
  return rows.reduce((acc, [, r]) => acc + pick(r), 0);
}
