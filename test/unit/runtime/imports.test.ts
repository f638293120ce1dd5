import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SRC = path.join(import.meta.dirname, '../../../src');
const FORBIDDEN = ['api', 'render', 'audit'].map((d) => path.join(SRC, d) + path.sep);

/** The relative modules a file imports or re-exports, type-only ones included, as .ts paths. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => path.resolve(path.dirname(file), name.replace(/\.js$/, '.ts')));
}

/** Every file reachable from the roots, each with the chain that first reached it. */
function reachable(roots: readonly string[]): Map<string, string[]> {
  const chains = new Map<string, string[]>(roots.map((r) => [r, [r]]));
  const queue = [...roots];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const chain = chains.get(file) ?? [file];
    for (const next of importsOf(file)) {
      if (chains.has(next) || !existsSync(next)) continue;
      chains.set(next, [...chain, next]);
      queue.push(next);
    }
  }
  return chains;
}

describe('src/runtime is generic machinery', () => {
  const runtime = path.join(SRC, 'runtime');
  const roots = readdirSync(runtime).filter((f) => f.endsWith('.ts')).map((f) => path.join(runtime, f));

  it('imports nothing from src/api, src/render or src/audit, not even through another module', () => {
    const chains = reachable(roots);
    const offending = [...chains.entries()]
      .filter(([file]) => FORBIDDEN.some((dir) => file.startsWith(dir)))
      .map(([, chain]) => chain.map((f) => path.relative(SRC, f)).join(' -> '));
    assert.deepEqual(offending, []);
    assert.ok(chains.size > roots.length, 'the walk follows imports out of src/runtime');
  });

  it('the walk finds an indirect import (a file reaching src/render through the kind registry)', () => {
    const chains = reachable([path.join(SRC, 'kube/resources.ts')]);
    assert.ok([...chains.keys()].some((f) => f.startsWith(path.join(SRC, 'render') + path.sep)), 'kube/resources.ts -> kinds.ts -> render/normalize.ts');
  });
});
