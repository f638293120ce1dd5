import { API_VERSION, KIND } from '../api/names.js';
import { parseSpec } from '../api/parse.js';
import type { ValidBaseline } from '../render/selection.js';
import type { Io } from './io.js';
import { UsageError } from './io.js';
import { readManifests, type Manifest } from './inputs.js';

/** A SecurityBaseline document with where it was found. */
export interface BaselineDocument {
  manifest: Manifest;
  name: string;
}

export function isBaseline(m: Manifest): boolean {
  return m.object.kind === KIND && m.object.apiVersion === API_VERSION;
}

function nameOf(m: Manifest): string {
  const name = m.object.metadata?.name;
  return typeof name === 'string' ? name : '';
}

/**
 * The baselines in files, parsed exactly as the operator parses them (parseSpec). A file with an
 * invalid one is bad input here: render, audit and diff need a baseline the operator would accept
 * (`posture validate` says what is wrong with it).
 */
export async function loadBaselines(paths: readonly string[], io: Io): Promise<ValidBaseline[]> {
  const { manifests } = await readManifests(paths, io);
  const docs = manifests.filter(isBaseline);
  if (docs.length === 0) throw new UsageError(`${paths.join(', ')}: no ${KIND} (apiVersion ${API_VERSION}) found`);
  const seen = new Set<string>();
  return docs.map((m) => {
    const name = nameOf(m);
    if (name === '') throw new UsageError(`${m.file}:${m.line}: ${KIND} without metadata.name`);
    if (seen.has(name)) throw new UsageError(`${m.file}:${m.line}: ${KIND} ${name} is given twice`);
    seen.add(name);
    const parsed = parseSpec(m.object.spec);
    if (!parsed.ok) throw new UsageError(`${m.file}:${m.line}: ${KIND} ${name} is invalid (run posture validate): ${parsed.error}`);
    const meta = m.object.metadata ?? {};
    const uid = typeof meta.uid === 'string' ? meta.uid : '';
    const generation = typeof meta.generation === 'number' ? meta.generation : 1;
    return { name, uid, generation, spec: parsed.spec };
  });
}

/** Exactly one baseline, for the commands that take one. */
export async function loadOneBaseline(path: string, io: Io): Promise<ValidBaseline> {
  const all = await loadBaselines([path], io);
  const [first] = all;
  if (first === undefined || all.length > 1) throw new UsageError(`${path}: holds ${all.length} ${KIND}s; give a file with one`);
  return first;
}
