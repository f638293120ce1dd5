import { RENDER_HELP } from './help.js';
import { stringify } from 'yaml';
import { FIELD_MANAGER, KIND } from '../api/names.js';
import { renderNamespace } from '../render/index.js';
import { renderNamespaceLabels } from '../render/namespace.js';
import { toManifest } from '../render/objects.js';
import type { ValidBaseline } from '../render/selection.js';
import { flag, parse, stringValue, stringValues } from './args.js';
import { loadBaselines } from './baselines.js';
import { readManifests } from './inputs.js';
import { EXIT_OK, UsageError, type Io } from './io.js';
import { explainSelection, namespaceFacts } from './selection.js';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--labels: ${JSON.stringify(pair)} is not key=value`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function namespaceFromFile(path: string, wanted: string | undefined, io: Io): Promise<{ name: string; labels: Record<string, string> }> {
  const all = (await readManifests([path], io)).manifests.filter((m) => m.object.kind === 'Namespace');
  const found = wanted === undefined ? (all.length === 1 ? all[0] : undefined) : all.find((m) => m.object.metadata?.name === wanted);
  if (found === undefined) throw new UsageError(`${path}: ${wanted === undefined ? `holds ${all.length} Namespace objects; say which with --namespace` : `no Namespace ${wanted}`}`);
  return { name: found.object.metadata?.name ?? '', labels: { ...(found.object.metadata?.labels ?? {}) } };
}

function withUid(b: ValidBaseline): ValidBaseline {
  return b.uid === '' ? { ...b, uid: `<uid of ${KIND} ${b.name}>` } : b;
}

/** The YAML Enforce would write for the winner, headed by comments naming it and the losers. */
function renderWinner(winner: ValidBaseline, namespace: string, notes: readonly string[]): string {
  const objects = renderNamespace(winner, namespace).map(toManifest);
  const labels = renderNamespaceLabels(winner);
  const docs: unknown[] = [];
  if (Object.keys(labels.labels).length > 0) docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: labels.labels, annotations: labels.annotations } });
  docs.push(...objects);
  const header = [
    `# ${KIND} ${winner.name} (priority ${winner.spec.priority}, mode ${winner.spec.mode}) selects namespace ${namespace}.`,
    winner.spec.mode === 'Audit' ? '# Mode Audit: the operator writes none of this; it is what Enforce would write.' : `# Enforce writes these with server-side apply, field manager ${FIELD_MANAGER}:`,
    `# ${Object.keys(labels.labels).length} namespace labels, ${objects.length} objects.`,
    ...notes.map((n) => `# ${n}`),
  ];
  return `${header.join('\n')}\n${docs.map((d) => `---\n${stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('')}`;
}

export async function render(args: readonly string[], io: Io): Promise<number> {
  const p = parse(args, {
    baseline: { type: 'string', multiple: true },
    namespace: { type: 'string', short: 'n' },
    labels: { type: 'string' },
    filename: { type: 'string', short: 'f' },
    'operator-namespace': { type: 'string' },
  }, 'render');
  if (flag(p, 'help')) {
    io.stdout(RENDER_HELP);
    return EXIT_OK;
  }
  if (p.positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(p.positionals[0])} (see posture render --help)`);
  const baselinePaths = stringValues(p, 'baseline');
  if (baselinePaths.length === 0) throw new UsageError('give at least one --baseline FILE (see posture render --help)');
  const file = stringValue(p, 'filename');
  let name = stringValue(p, 'namespace');
  let labels: Record<string, string> = {};
  if (file !== undefined) ({ name, labels } = await namespaceFromFile(file, name, io));
  if (name === undefined) throw new UsageError('give the namespace with --namespace NAME or -f NAMESPACE_FILE (see posture render --help)');
  if (!NAME.test(name) || name.length > 63) throw new UsageError(`--namespace: ${JSON.stringify(name)} is not a namespace name`);
  labels = { ...labels, ...parseLabels(stringValue(p, 'labels') ?? '') };
  const baselines = (await loadBaselines(baselinePaths, io)).map(withUid);
  const verdicts = explainSelection(baselines, namespaceFacts(name, labels), stringValue(p, 'operator-namespace'));
  const winner = verdicts.find((v) => v.wins)?.baseline;
  const notes = verdicts.flatMap((v) => (v.wins ? [] : [v.reason]));
  if (winner === undefined) io.stdout(`${notes.map((n) => `# ${n}`).join('\n')}\n`);
  else io.stdout(renderWinner(winner, name, notes));
  return EXIT_OK;
}
