import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifests, readManifests } from '../../../src/cli/inputs.js';
import type { Io } from '../../../src/cli/io.js';
import { COMPLIANT, docs, files, NAMESPACE, posture, PRIVILEGED } from './run.js';

function io(cwd: string, stdin = ''): Io {
  return { stdout: () => undefined, stderr: () => undefined, readStdin: () => Promise.resolve(stdin), cwd, env: {} };
}

describe('posture: reading manifests', () => {
  it('gives each document of a multi-document file its own first line', () => {
    const { manifests } = parseManifests(docs(NAMESPACE, PRIVILEGED, COMPLIANT), 'app.yaml');
    assert.deepEqual(manifests.map((m) => [m.object.kind, m.object.metadata?.name, m.file, m.line]), [
      ['Namespace', 'team-a', 'app.yaml', 1],
      ['Deployment', 'web', 'app.yaml', 8],
      ['Deployment', 'api', 'app.yaml', 23],
    ]);
  });

  it('takes each item of a List (kubectl get -o yaml) with the item\'s line', () => {
    const list = 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: b}\n';
    const { manifests } = parseManifests(list, 'list.yaml');
    assert.deepEqual(manifests.map((m) => [m.object.metadata?.name, m.line]), [['a', 4], ['b', 7]]);
  });

  it('reads JSON, skips empty documents, and reports documents that are not objects', () => {
    const { manifests, skipped } = parseManifests('---\n---\nreplicaCount: 3\n---\n{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}\n', 'mixed.yaml');
    assert.deepEqual(manifests.map((m) => [m.object.kind, m.line]), [['Service', 5]]);
    assert.deepEqual(skipped, ['mixed.yaml:3: not a Kubernetes object (no apiVersion and kind)']);
  });

  it('fails on invalid YAML with the file and line', () => {
    assert.throws(() => parseManifests('apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n', 'broken.yaml'), /^UsageError: broken\.yaml:4: Flow sequence in block collection/);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`), 'apiVersion: v1', 'kind: ConfigMap'].join('\n');
    assert.throws(() => parseManifests(bomb, 'bomb.yaml'), /^UsageError: bomb\.yaml:1: .*alias/i);
  });

  it('reads a directory recursively, .yaml, .yml and .json only, hidden entries left out, in name order', async () => {
    const dir = await files({
      'b/deploy.yml': PRIVILEGED,
      'a.yaml': NAMESPACE,
      'b/c/svc.json': '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "team-a"}}',
      'README.md': 'apiVersion: v1\nkind: Secret\n',
      'values.txt': 'apiVersion: v1\nkind: Secret\n',
      '.github/workflows/ci.yaml': 'apiVersion: v1\nkind: Secret\n',
      '..2026_11_29/a.yaml': NAMESPACE,
    });
    const { manifests } = await readManifests(['.'], io(dir));
    assert.deepEqual(manifests.map((m) => `${m.file}:${m.line} ${m.object.kind}`), ['a.yaml:1 Namespace', join('b', 'c', 'svc.json') + ':1 Service', join('b', 'deploy.yml') + ':1 Deployment']);
  });

  it('does not follow a symbolic link back up the tree', async () => {
    const dir = await files({ 'm/app.yaml': NAMESPACE });
    await symlink(dir, join(dir, 'm', 'loop'));
    const { manifests } = await readManifests([dir], io('/'));
    assert.equal(manifests.length, 1);
  });

  it('reads standard input for -, once', async () => {
    const { manifests } = await readManifests(['-'], io('/', PRIVILEGED));
    assert.deepEqual(manifests.map((m) => [m.file, m.line, m.object.metadata?.name]), [['-', 1, 'web']]);
    await assert.rejects(readManifests(['-', '-'], io('/', PRIVILEGED)), /given more than once/);
  });

  it('exits 2 naming a missing path, and audits what comes on standard input', async () => {
    const missing = await posture(['audit', '-f', 'nope.yaml'], { cwd: '/tmp' });
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'posture audit: nope.yaml: no such file or directory\n');
    const piped = await posture(['audit', '-f', '-', '-o', 'json'], { stdin: PRIVILEGED });
    assert.equal(piped.code, 0);
    assert.ok((JSON.parse(piped.stdout) as { results: { check: string; result: string }[] }).results.some((r) => r.check === 'WL-002' && r.result === 'fail'));
  });
});
