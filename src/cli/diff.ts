import { DIFF_HELP } from './help.js';
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { POD_SECURITY_ANNOTATION, PROTECTED_LABEL } from '../api/names.js';
import type { Action } from '../controller/plan.js';
import { flag, parse, stringValue } from './args.js';
import { loadOneBaseline } from './baselines.js';
import { planDiff, type NamespaceDiff } from './diffplan.js';
import { EXIT_FINDINGS, EXIT_OK, isUsageError, UsageError, type Io } from './io.js';
import { connect, readCluster } from './live.js';

/** Keys sorted: the API server returns maps in key order, so a rendered map would otherwise differ only in order. */
function yaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false, sortMapEntries: true });
}

function pickKeys(source: Record<string, unknown>, like: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(like).map((k) => [k, source[k]]));
}

function indent(text: string, by: string): string {
  return text.trimEnd().split('\n').map((l) => `${by}${l}`).join('\n');
}

function patch(title: string, before: unknown, after: unknown): string {
  const text = createTwoFilesPatch(`${title} (cluster)`, `${title} (baseline)`, yaml(before), yaml(after), undefined, undefined, { context: 3 });
  // The first line is a separator jsdiff adds; the ---/+++ header names both sides.
  return indent(text.split('\n').slice(1).join('\n'), '      ');
}

/** One action in a few lines: a verb, the object, and for an update the unified diff. */
export function describeAction(a: Action, nsLabels: Readonly<Record<string, string>>, nsAnnotations: Readonly<Record<string, string>>): string {
  switch (a.type) {
    case 'create':
      return `  + create ${a.object.kind} ${a.object.metadata.name}`;
    case 'delete':
      return `  - delete ${a.kind} ${a.name}`;
    case 'update': {
      const want = { metadata: { labels: a.object.metadata.labels, ownerReferences: a.object.metadata.ownerReferences }, ...a.object.content };
      const have = {
        metadata: { labels: pickKeys(a.existing.metadata.labels ?? {}, a.object.metadata.labels), ownerReferences: a.existing.metadata.ownerReferences ?? [] },
        ...pickKeys(a.existing.content, a.object.content),
      };
      return `  ~ update ${a.object.kind} ${a.object.metadata.name}\n${patch(`${a.object.kind} ${a.object.metadata.name}`, have, want)}`;
    }
    case 'labels': {
      // The labels the operator owns on a Namespace: Pod Security, and the guard's protected marker.
      const psa = (labels: Readonly<Record<string, string>>): Record<string, string> => Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('pod-security.kubernetes.io/') || k === PROTECTED_LABEL).sort());
      const have = { labels: psa(nsLabels), annotations: { [POD_SECURITY_ANNOTATION]: nsAnnotations[POD_SECURITY_ANNOTATION] ?? null } };
      const want = { labels: psa(a.desired.labels), annotations: { [POD_SECURITY_ANNOTATION]: a.desired.annotations[POD_SECURITY_ANNOTATION] ?? null } };
      return `  ~ labels Namespace ${a.namespace}\n${patch(`Namespace ${a.namespace}`, have, want)}`;
    }
  }
}

function count(actions: readonly Action[], type: Action['type']): number {
  return actions.filter((a) => a.type === type).length;
}

function header(d: NamespaceDiff, baseline: string): string {
  const who = d.winner === baseline ? `baseline ${baseline} wins` : d.reason ?? `baseline ${d.winner ?? 'none'} wins`;
  const counts = d.actions.length === 0 ? 'no change' : `create ${count(d.actions, 'create')}, update ${count(d.actions, 'update')}, delete ${count(d.actions, 'delete')}, labels ${count(d.actions, 'labels')}`;
  return `namespace ${d.namespace} (${who}): ${counts}`;
}

export async function diff(args: readonly string[], io: Io): Promise<number> {
  const p = parse(args, { baseline: { type: 'string' }, kubeconfig: { type: 'string' }, 'operator-namespace': { type: 'string' } }, 'diff');
  if (flag(p, 'help')) {
    io.stdout(DIFF_HELP);
    return EXIT_OK;
  }
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(p.positionals[0])} (see posture diff --help)`);
  const path = stringValue(p, 'baseline');
  if (path === undefined) throw new UsageError('give the baseline with --baseline FILE (see posture diff --help)');
  const baseline = await loadOneBaseline(path, io);
  const client = await connect(stringValue(p, 'kubeconfig'), io.env);
  let state;
  try {
    state = await readCluster(client);
  } catch (err) {
    if (isUsageError(err)) throw err;
    throw new UsageError(`cannot read the cluster at ${client.server}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await client.close();
  }
  const diffs = planDiff(state, baseline, stringValue(p, 'operator-namespace') ?? 'posture-system');
  const lines: string[] = [];
  for (const d of diffs) {
    const ns = state.namespaces.find((n) => n.name === d.namespace);
    lines.push(header(d, baseline.name), ...d.actions.map((a) => describeAction(a, ns?.labels ?? {}, ns?.annotations ?? {})));
  }
  const changed = diffs.filter((d) => d.actions.length > 0);
  const all = diffs.flatMap((d) => d.actions);
  if (lines.length > 0) lines.push('');
  lines.push(`${diffs.length} namespace${diffs.length === 1 ? '' : 's'} considered, ${changed.length} would change: create ${count(all, 'create')}, update ${count(all, 'update')}, delete ${count(all, 'delete')}, labels ${count(all, 'labels')}. Nothing was written.`);
  io.stdout(`${lines.join('\n')}\n`);
  return all.length > 0 ? EXIT_FINDINGS : EXIT_OK;
}
