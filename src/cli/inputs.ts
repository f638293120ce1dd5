import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { isMap, isNode, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Io } from './io.js';
import { UsageError } from './io.js';

/** A Kubernetes object read from a file, with where it was found (for SARIF and messages). */
export interface Manifest {
  object: KubeObject;
  /** The path as given (relative to the working directory), or `-` for standard input. */
  file: string;
  /** 1-based line of the object's first key. */
  line: number;
}

export type KubeObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
};

/** Bounds: input is whatever a pull request contains, so nothing read may be unbounded. */
export const LIMITS = { fileBytes: 32 * 1024 * 1024, files: 10_000, objects: 100_000, depth: 32 } as const;

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface ReadResult {
  manifests: Manifest[];
  /** Documents that are not Kubernetes objects (no apiVersion or kind), e.g. Helm values: skipped, said on stderr. */
  skipped: string[];
}

async function listDirectory(dir: string, depth: number, out: string[]): Promise<void> {
  if (depth > LIMITS.depth) throw new UsageError(`${dir}: directories nested deeper than ${LIMITS.depth}`);
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    // Hidden entries are not manifests: .git, .github, and the ..data and ..<timestamp> copies of a
    // mounted ConfigMap (which would give every file twice).
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    // Symbolic links to directories are not followed: a link cycle would never end.
    if (e.isDirectory()) await listDirectory(path, depth + 1, out);
    else if ((e.isFile() || (e.isSymbolicLink() && (await stat(path)).isFile())) && EXTENSIONS.some((x) => e.name.endsWith(x))) out.push(path);
    if (out.length > LIMITS.files) throw new UsageError(`${dir}: more than ${LIMITS.files} manifest files`);
  }
}

/** The files a path names: itself, or every .yaml/.yml/.json below it (hidden ones left out), in name order. */
async function expand(path: string, cwd: string): Promise<string[]> {
  const absolute = resolve(cwd, path);
  const info = await lstat(absolute).catch(() => undefined);
  if (info === undefined) throw new UsageError(`${path}: no such file or directory`);
  const target = info.isSymbolicLink() ? await stat(absolute) : info;
  if (!target.isDirectory()) return [absolute];
  const out: string[] = [];
  await listDirectory(absolute, 0, out);
  return out;
}

function isKubeObject(value: unknown): value is KubeObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  return typeof o.apiVersion === 'string' && typeof o.kind === 'string';
}

/** Kubernetes Lists (kubectl get -o yaml) hold their objects in items; each item keeps its own line. */
function fromDocument(doc: Document, lines: LineCounter, file: string, out: ReadResult): void {
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias bomb (a few lines that expand to gigabytes) is refused, not expanded.
    throw new UsageError(`${file}:${lines.linePos(doc.range?.[0] ?? 0).line}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (value === null || value === undefined) return;
  const contents = doc.contents;
  const lineOf = (offset: number | undefined): number => lines.linePos(offset ?? 0).line;
  const docLine = lineOf(contents?.range?.[0]);
  if (!isKubeObject(value)) {
    out.skipped.push(`${file}:${docLine}: not a Kubernetes object (no apiVersion and kind)`);
    return;
  }
  const items = value.items;
  if (value.kind.endsWith('List') && Array.isArray(items)) {
    const node = isMap(contents) ? contents.get('items', true) : undefined;
    items.forEach((item: unknown, i) => {
      const itemNode: unknown = isSeq(node) ? node.items[i] : undefined;
      const range = isNode(itemNode) ? itemNode.range : undefined;
      const line = range === undefined || range === null ? docLine : lineOf(range[0]);
      if (isKubeObject(item)) out.manifests.push({ object: item, file, line });
      else out.skipped.push(`${file}:${line}: a List item that is not a Kubernetes object`);
    });
    return;
  }
  out.manifests.push({ object: value, file, line: docLine });
}

/** Parses a stream of YAML (or JSON) documents, failing on the first syntax error with file:line. */
export function parseManifests(text: string, file: string, out: ReadResult = { manifests: [], skipped: [] }): ReadResult {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  if (!Array.isArray(docs)) return out;
  for (const doc of docs) {
    const [error] = doc.errors;
    if (error !== undefined) throw new UsageError(`${file}:${lines.linePos(error.pos[0]).line}: ${error.message.split('\n')[0] ?? 'invalid YAML'}`);
    fromDocument(doc, lines, file, out);
    if (out.manifests.length > LIMITS.objects) throw new UsageError(`more than ${LIMITS.objects} objects in the input`);
  }
  return out;
}

/** Reads every path (a file, a directory searched recursively, or `-` for standard input). */
export async function readManifests(paths: readonly string[], io: Io): Promise<ReadResult> {
  const out: ReadResult = { manifests: [], skipped: [] };
  let stdinRead = false;
  for (const path of paths) {
    if (path === '-') {
      if (stdinRead) throw new UsageError('- (standard input) given more than once');
      stdinRead = true;
      parseManifests(await io.readStdin(), '-', out);
      continue;
    }
    for (const file of await expand(path, io.cwd)) {
      const size = (await stat(file)).size;
      if (size > LIMITS.fileBytes) throw new UsageError(`${relative(io.cwd, file)}: larger than ${LIMITS.fileBytes} bytes`);
      const shown = relative(io.cwd, file) || file;
      parseManifests(await readFile(file, 'utf8'), shown, out);
    }
  }
  return out;
}
