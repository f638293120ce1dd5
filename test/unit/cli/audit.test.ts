import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { BASELINE, COMPLIANT, docs, files, NAMESPACE, posture, PRIVILEGED } from './run.js';

interface JsonOut {
  results: { check: string; severity: string; result: string; message: string; resource: { apiVersion: string; kind: string; namespace: string; name: string } }[];
  summary: Record<string, number>;
  score: number;
}

async function json(args: string[], cwd: string): Promise<{ code: number; out: JsonOut }> {
  const r = await posture(['audit', '-o', 'json', ...args], { cwd });
  assert.equal(r.stderr, '');
  return { code: r.code, out: JSON.parse(r.stdout) as JsonOut };
}

function result(out: JsonOut, check: string, name: string): JsonOut['results'][number] | undefined {
  return out.results.find((r) => r.check === check && r.resource.name === name);
}

describe('posture audit', () => {
  let dir: string;
  before(async () => {
    dir = await files({ 'app.yaml': docs(NAMESPACE, PRIVILEGED, COMPLIANT), 'baseline.yaml': BASELINE });
  });

  it('-o json: results with check, severity, result, message and resource; summary; score', async () => {
    const { code, out } = await json(['-f', 'app.yaml'], dir);
    assert.equal(code, 0, 'no --fail-on: exit 0');
    assert.deepEqual(Object.keys(out), ['results', 'summary', 'score']);
    assert.deepEqual(result(out, 'WL-002', 'web'), {
      check: 'WL-002',
      severity: 'critical',
      result: 'fail',
      message: 'container web: set securityContext.privileged: false',
      resource: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'team-a', name: 'web' },
    });
    assert.equal(result(out, 'WL-002', 'api')?.result, 'pass');
    const counted = out.results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.result]: (acc[r.result] ?? 0) + 1 }), {});
    assert.deepEqual(out.summary, { pass: counted.pass ?? 0, fail: counted.fail ?? 0, warn: 0, error: 0, skip: counted.skip ?? 0 });
    assert.ok(out.score > 0 && out.score < 100);
  });

  it('skips, with the reason, what only a cluster knows, unless the input holds it', async () => {
    const { out } = await json(['-f', 'app.yaml'], dir);
    assert.equal(result(out, 'NS-002', 'team-a')?.result, 'skip');
    assert.match(result(out, 'NS-002', 'team-a')?.message ?? '', /^not evaluated offline: needs the namespace's NetworkPolicies/);
    assert.equal(result(out, 'NS-001', 'team-a')?.result, 'fail', 'the Namespace object is in the input: its labels are known');
    const alone = await files({ 'd.yaml': PRIVILEGED });
    const { out: noNs } = await json(['-f', 'd.yaml'], alone);
    assert.equal(result(noNs, 'NS-001', 'team-a')?.result, 'skip');
    const withPolicy = await files({ 'd.yaml': docs(PRIVILEGED, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: team-a}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n') });
    const { out: covered } = await json(['-f', 'd.yaml'], withPolicy);
    assert.equal(result(covered, 'NS-002', 'team-a')?.result, 'pass');
    assert.equal(result(covered, 'WL-015', 'web')?.result, 'pass');
  });

  it('--complete: the input is all the cluster holds, so what is absent is absent and pods are live', async () => {
    const { out } = await json(['-f', 'app.yaml', '--complete'], dir);
    assert.equal(result(out, 'NS-002', 'team-a')?.result, 'fail');
    assert.equal(result(out, 'NS-003', 'team-a')?.result, 'fail');
    assert.ok(!out.results.some((r) => r.message.startsWith('not evaluated offline')));
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team-a}\nspec: {containers: [{name: c, image: registry.example.com/p:1}]}\n';
    const limits = 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: l, namespace: team-a}\nspec: {limits: [{type: Container, default: {memory: 1Gi}, defaultRequest: {cpu: 10m, memory: 1Gi}}]}\n';
    const withDefaults = await files({ 'p.yaml': docs(pod, limits) });
    const { out: source } = await json(['-f', 'p.yaml'], withDefaults);
    assert.equal(result(source, 'WL-013', 'p')?.result, 'pass', 'a source Pod gets the LimitRange defaults at admission');
    const { out: live } = await json(['-f', 'p.yaml', '--complete'], withDefaults);
    assert.equal(result(live, 'WL-013', 'p')?.result, 'fail', 'a live pod without resources was admitted before the LimitRange');
  });

  it('applies the API server\'s hostPort defaulting under hostNetwork to source manifests, as admission will', async () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: h, namespace: x}\nspec: {hostNetwork: true, containers: [{name: c, image: r.example.com/c:1, ports: [{containerPort: 8080}]}]}\n';
    const dir2 = await files({ 'h.yaml': pod });
    const { out } = await json(['-f', 'h.yaml'], dir2);
    assert.equal(result(out, 'WL-006', 'h')?.message, 'container c: remove hostPort 8080 (expose it through a Service)');
    const { out: live } = await json(['-f', 'h.yaml', '--complete'], dir2);
    assert.equal(result(live, 'WL-006', 'h')?.result, 'pass', 'a live object already holds its defaults: none is added');
  });

  it('audits objects without a namespace in --namespace (default: default)', async () => {
    const bare = await files({ 'd.yaml': PRIVILEGED.replace('  namespace: team-a\n', '') });
    const { out } = await json(['-f', 'd.yaml'], bare);
    assert.equal(result(out, 'WL-002', 'web')?.resource.namespace, 'default');
    const { out: there } = await json(['-f', 'd.yaml', '--namespace', 'shop'], bare);
    assert.equal(result(there, 'WL-002', 'web')?.resource.namespace, 'shop');
  });

  it('--baseline applies spec.audit: allowed registries, exemptions, and the enforced level', async () => {
    const { out: without } = await json(['-f', 'app.yaml'], dir);
    assert.equal(result(without, 'IMG-003', 'web')?.result, 'skip', 'no allowed registries: IMG-003 is not applicable');
    assert.equal(result(without, 'WL-012', 'web')?.result, 'fail');
    const { out } = await json(['-f', 'app.yaml', '--baseline', 'baseline.yaml'], dir);
    assert.equal(result(out, 'IMG-003', 'web')?.result, 'fail');
    assert.equal(result(out, 'IMG-003', 'api')?.result, 'pass');
    assert.equal(result(out, 'WL-012', 'web')?.result, 'skip');
    assert.match(result(out, 'WL-012', 'web')?.message ?? '', /^exempted: vendor image writes to its root/);
  });

  it('--fail-on: exit 1 at or above the severity, else 0; 2 for an unknown severity', async () => {
    assert.equal((await posture(['audit', '-f', 'app.yaml', '--fail-on', 'critical'], { cwd: dir })).code, 1, 'WL-002 is critical');
    const onlyCompliant = await files({ 'a.yaml': docs(NAMESPACE, COMPLIANT) });
    const high = await posture(['audit', '-f', 'a.yaml', '--fail-on', 'high'], { cwd: onlyCompliant });
    assert.equal(high.code, 1, 'NS-001 (high) fails: the Namespace has no Pod Security label');
    assert.equal(high.stderr, 'posture audit: 1 failing result at high or above\n');
    assert.equal((await posture(['audit', '-f', 'a.yaml', '--fail-on', 'critical'], { cwd: onlyCompliant })).code, 0);
    const bad = await posture(['audit', '-f', 'a.yaml', '--fail-on', 'severe'], { cwd: onlyCompliant });
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'posture audit: --fail-on must be one of critical, high, medium, low, not "severe"\n');
  });

  it('-o table: failures worst first with file and line, the message under each, then totals', async () => {
    const r = await posture(['audit', '-f', 'app.yaml'], { cwd: dir });
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'RESULT SEVERITY  CHECK             OBJECT');
    assert.equal(lines[1], 'fail   critical  WL-002            Deployment team-a/web  (app.yaml:8)');
    assert.equal(lines[2], '       container web: set securityContext.privileged: false');
    assert.match(r.stdout, /\n\d+ results: \d+ pass, \d+ fail, 0 warn, 0 error, \d+ skip\. Score \d+\/100\.\n$/);
    assert.ok(!/^pass /m.test(r.stdout), 'passes are left out');
    assert.match((await posture(['audit', '-f', 'app.yaml', '--show-passed'], { cwd: dir })).stdout, /^pass /m);
  });

  it('-o junit: one testsuite per namespace, failures and skips counted', async () => {
    const r = await posture(['audit', '-f', 'app.yaml', '-o', 'junit'], { cwd: dir });
    const { out } = await json(['-f', 'app.yaml'], dir);
    assert.match(r.stdout, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="posture audit" /);
    assert.match(r.stdout, new RegExp(`<testsuite name="posture audit: team-a" tests="${out.results.length}" failures="${out.summary.fail}" errors="0" skipped="${out.summary.skip}">`));
    assert.match(r.stdout, /<testcase classname="Deployment\/team-a\/web" name="WL-002 \(critical\)" file="app.yaml" line="8">\n {6}<failure type="fail" message="container web: set securityContext.privileged: false">/);
    assert.equal((r.stdout.match(/<testcase /g) ?? []).length, out.results.length);
  });

  it('-o junit escapes XML in messages and names', async () => {
    const evil = await files({ 'e.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: x, annotations: {"posture.dev/exempt": "SEC-001", "posture.dev/exempt-reason": "<b>&\\"\'"}}\ndata: {password: hunter2}\n' });
    const r = await posture(['audit', '-f', 'e.yaml', '-o', 'junit'], { cwd: evil });
    assert.match(r.stdout, /exempted: &lt;b&gt;&amp;&quot;&apos;/);
    assert.ok(!r.stdout.includes('<b>'));
  });

  it('-o policyreport: one wgpolicyk8s.io PolicyReport per namespace, as the operator writes it: failures and exemptions listed, all counted', async () => {
    const r = await posture(['audit', '-f', 'app.yaml', '--baseline', 'baseline.yaml', '-o', 'policyreport'], { cwd: dir });
    const reports = parseAllDocuments(r.stdout).map((d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; summary: Record<string, number>; results: { policy: string; result: string; resources: { name: string }[] }[] });
    assert.equal(reports.length, 1);
    const [report] = reports;
    assert.deepEqual([report?.apiVersion, report?.kind, report?.metadata], ['wgpolicyk8s.io/v1alpha2', 'PolicyReport', { name: 'posture-audit', namespace: 'team-a' }]);
    const { out } = await json(['-f', 'app.yaml', '--baseline', 'baseline.yaml'], dir);
    assert.deepEqual(report?.summary, out.summary);
    const listed = out.results.filter((x) => x.result === 'fail' || x.result === 'warn' || x.result === 'error' || x.message.startsWith('exempted: '));
    assert.ok(listed.some((x) => x.result === 'skip'), 'the WL-012 exemption is listed');
    assert.deepEqual(report.results.map((x) => `${x.policy}/${x.resources[0]?.name}=${x.result}`).sort(), listed.map((x) => `${x.check}/${x.resource.name}=${x.result}`).sort());
  });

  it('exits 2 on a baseline that does not parse, naming the field', async () => {
    const bad = await files({ 'b.yaml': BASELINE.replace('podSecurity: {enforce: restricted}', 'podSecurity: {enforce: strict}'), 'a.yaml': PRIVILEGED });
    const r = await posture(['audit', '-f', 'a.yaml', '--baseline', 'b.yaml'], { cwd: bad });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^posture audit: b\.yaml:1: SecurityBaseline tenants is invalid \(run posture validate\): spec\.podSecurity\.enforce: /);
    assert.equal(r.stdout, '');
  });

  it('says on stderr which documents it skipped', async () => {
    const withValues = await files({ 'a.yaml': docs('replicaCount: 2\n', PRIVILEGED) });
    const r = await posture(['audit', '-f', 'a.yaml'], { cwd: withValues });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, 'posture audit: skipped a.yaml:1: not a Kubernetes object (no apiVersion and kind)\n');
  });
});
