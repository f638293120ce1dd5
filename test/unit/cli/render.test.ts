import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { securityBaselineSpecSchema } from '../../../src/api/securitybaseline.js';
import { renderNamespace } from '../../../src/render/index.js';
import { toManifest } from '../../../src/render/objects.js';
import { revisionOf } from '../../../src/render/revision.js';
import { BASELINE, files, NAMESPACE, posture } from './run.js';

const STRICT = `apiVersion: posture.dev/v1alpha1
kind: SecurityBaseline
metadata: {name: strict, uid: 11111111-2222-3333-4444-555555555555}
spec:
  priority: 200
  namespaceSelector: {matchLabels: {posture.dev/tier: tenant}}
`;
const TWIN = STRICT.replace('name: strict', 'name: alpha').replace(', uid: 11111111-2222-3333-4444-555555555555', '');

describe('posture render', () => {
  let dir: string;
  before(async () => {
    dir = await files({ 'tenants.yaml': BASELINE, 'strict.yaml': STRICT, 'twin.yaml': TWIN, 'ns.yaml': NAMESPACE });
  });

  async function render(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return posture(['render', ...args], { cwd: dir });
  }

  it('prints exactly what renderNamespace renders, after the Namespace labels', async () => {
    const r = await render('--baseline', 'strict.yaml', '--namespace', 'team-a', '--labels', 'posture.dev/tier=tenant');
    assert.equal(r.code, 0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, unknown>);
    const spec = securityBaselineSpecSchema.parse({ priority: 200, namespaceSelector: { matchLabels: { 'posture.dev/tier': 'tenant' } } });
    const expected = renderNamespace({ name: 'strict', uid: '11111111-2222-3333-4444-555555555555', generation: 1, spec }, 'team-a').map(toManifest);
    assert.deepEqual(docs, JSON.parse(JSON.stringify(expected)));
    assert.match(r.stdout, /^# SecurityBaseline strict \(priority 200, mode Enforce\) selects namespace team-a\.\n/);
  });

  it('takes the namespace and its labels from -f, and shows the Pod Security labels it sets', async () => {
    const r = await render('--baseline', 'tenants.yaml', '-f', 'ns.yaml');
    const [first] = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> } });
    assert.deepEqual(first, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' }, annotations: { 'posture.dev/pod-security': 'tenants', 'posture.dev/revision': revisionOf(securityBaselineSpecSchema.parse((parseAllDocuments(BASELINE)[0]?.toJS() as { spec: unknown }).spec)) } },
    });
    assert.match(r.stdout, /uid: <uid of SecurityBaseline tenants>/, 'a baseline not yet in a cluster has no uid: said so');
  });

  it('says in one line why nothing: not selected', async () => {
    const r = await render('--baseline', 'tenants.yaml', '--namespace', 'team-b');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '# baseline tenants does not select namespace team-b: namespaceSelector {"matchLabels":{"posture.dev/tier":"tenant"}} does not match its labels {"kubernetes.io/metadata.name":"team-b"}\n');
  });

  it('says in one line why nothing: excluded', async () => {
    const r = await render('--baseline', 'tenants.yaml', '--namespace', 'legacy-shop', '--labels', 'posture.dev/tier=tenant');
    assert.equal(r.stdout, '# baseline tenants excludes namespace legacy-shop (excludeNamespaces: legacy-*)\n');
  });

  it('says in one line why nothing: always excluded, including the operator\'s namespace', async () => {
    const r = await render('--baseline', 'tenants.yaml', '--namespace', 'kube-system', '--labels', 'posture.dev/tier=tenant');
    assert.equal(r.stdout, '# namespace kube-system is always excluded (kube-system, kube-public, kube-node-lease are never selected): baseline tenants writes nothing there\n');
    const own = await render('--baseline', 'tenants.yaml', '--namespace', 'posture-system', '--labels', 'posture.dev/tier=tenant', '--operator-namespace', 'posture-system');
    assert.equal(own.stdout, "# namespace posture-system is always excluded (the operator's own namespace is never selected): baseline tenants writes nothing there\n");
  });

  it('says in one line which baseline lost to a higher priority, and renders the winner', async () => {
    const r = await render('--baseline', 'tenants.yaml', '--baseline', 'strict.yaml', '--namespace', 'team-a', '--labels', 'posture.dev/tier=tenant');
    assert.match(r.stdout, /^# SecurityBaseline strict /);
    assert.match(r.stdout, /\n# baseline tenants loses namespace team-a to baseline strict \(priority 200 over 100\)\n/);
    const tie = await render('--baseline', 'strict.yaml', '--baseline', 'twin.yaml', '--namespace', 'team-a', '--labels', 'posture.dev/tier=tenant');
    assert.match(tie.stdout, /\n# baseline strict loses namespace team-a to baseline alpha \(the same priority 200, and alpha sorts first\)\n/);
  });

  it('exits 2 on bad input, naming it', async () => {
    assert.deepEqual(await render('--namespace', 'x'), { code: 2, stdout: '', stderr: 'posture render: give at least one --baseline FILE (see posture render --help)\n' });
    assert.equal((await render('--baseline', 'tenants.yaml', '--namespace', 'Not_A_Name')).stderr, 'posture render: --namespace: "Not_A_Name" is not a namespace name\n');
    assert.equal((await render('--baseline', 'tenants.yaml', '--namespace', 'a', '--labels', 'novalue')).stderr, 'posture render: --labels: "novalue" is not key=value\n');
    assert.equal((await render('--baseline', 'ns.yaml', '--namespace', 'a')).stderr, 'posture render: ns.yaml: no SecurityBaseline (apiVersion posture.dev/v1alpha1) found\n');
  });
});
