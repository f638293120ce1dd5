import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseSpec } from '../../src/api/parse.js';
import { renderCrdYaml } from '../../hack/generate.js';
import { parseConfig } from '../../src/config.js';
import { apiMarkdown } from '../../src/api/docs.js';

describe('spec parsing', () => {
  it('applies defaults', () => {
    const r = parseSpec({ namespaceSelector: {} });
    assert.ok(r.ok);
    assert.deepEqual(r.spec, {
      mode: 'Enforce',
      deletionPolicy: 'Delete',
      priority: 100,
      namespaceSelector: {},
      excludeNamespaces: [],
      networkPolicy: { defaultDeny: ['Ingress', 'Egress'], allowDNS: true, allowSameNamespace: true, allowIngressFrom: [] },
      audit: { allowedRegistries: [], annotationExemptChecks: [], annotationExemptions: 'Allowed', disabledChecks: [], exemptions: [], requireCpuLimit: false, secretReadAllowlist: [] },
    });
  });

  const bad: [string, unknown, RegExp][] = [
    ['unknown mode', { namespaceSelector: {}, mode: 'Sometimes' }, /^spec\.mode: /],
    ['missing selector', {}, /^spec\.namespaceSelector: /],
    ['In without values', { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }, /^spec\.namespaceSelector\.matchExpressions\[0\]\.values: /],
    ['bad operator', { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }, /^spec\.namespaceSelector\.matchExpressions\[0\]\.operator: /],
    ['unknown field', { namespaceSelector: {}, colour: 'red' }, /^spec: .*colour/],
    ['bad policy type', { namespaceSelector: {}, networkPolicy: { defaultDeny: ['Sideways'] } }, /^spec\.networkPolicy\.defaultDeny\[0\]: /],
    ['negative priority', { namespaceSelector: {}, priority: -1 }, /^spec\.priority: /],
    ['bad exclude pattern', { namespaceSelector: {}, excludeNamespaces: ['Not_A_Name'] }, /^spec\.excludeNamespaces\[0\]: /],
  ];
  for (const [name, spec, field] of bad) {
    it(`rejects ${name}, naming the field`, () => {
      const r = parseSpec(spec);
      assert.ok(!r.ok);
      assert.match(r.error, field);
    });
  }
});

describe('generated CRD', () => {
  it('crds/, config/crd/bases/ and the Helm chart\'s crds/ match the zod schema (run npm run generate)', async () => {
    const want = renderCrdYaml();
    assert.equal(await readFile('crds/posture.dev_securitybaselines.yaml', 'utf8'), want);
    assert.equal(await readFile('config/crd/bases/posture.dev_securitybaselines.yaml', 'utf8'), want);
    assert.equal(await readFile('charts/posture-operator/crds/posture.dev_securitybaselines.yaml', 'utf8'), want);
  });

  it('docs/api.md matches the zod schema (run npm run generate)', async () => {
    assert.equal(await readFile('docs/api.md', 'utf8'), apiMarkdown());
  });

  it('describes every field, so kubectl explain answers', () => {
    const rows = apiMarkdown().split('\n').filter((l) => /^\| `(spec|status)\./.test(l));
    assert.ok(rows.length > 60, `only ${rows.length} rows`);
    const undescribed = rows.filter((r) => (r.split(' | ')[3] ?? '').replace('(required)', '').replace(/\|$/, '').trim() === '');
    assert.deepEqual(undescribed, []);
  });

  it('has no additionalProperties: false, which structural schemas forbid', () => {
    assert.doesNotMatch(renderCrdYaml(), /additionalProperties: false/);
  });
});

describe('operator flags', () => {
  it('uses kubebuilder defaults', () => {
    const c = parseConfig([], { POD_NAMESPACE: 'posture-system' });
    assert.deepEqual(c.metricsAddress, { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(c.healthAddress, { host: '0.0.0.0', port: 8081 });
    assert.equal(c.concurrency, 16, 'measured in docs/benchmarks.md: 4 was the slowest candidate');
    assert.equal(c.operatorNamespace, 'posture-system');
  });

  it('parses addresses, 0 disables', () => {
    const c = parseConfig(['--metrics-bind-address=127.0.0.1:9090', '--health-probe-bind-address=0'], {});
    assert.deepEqual(c.metricsAddress, { host: '127.0.0.1', port: 9090 });
    assert.equal(c.healthAddress, undefined);
  });

  it('names the flag in errors', () => {
    assert.throws(() => parseConfig(['--concurrency=0'], {}), /--concurrency/);
    assert.throws(() => parseConfig(['--metrics-bind-address=nope'], {}), /--metrics-bind-address/);
    assert.throws(() => parseConfig(['--log-level=loud'], {}), /--log-level/);
    assert.throws(() => parseConfig(['--frobnicate'], {}), /frobnicate/);
    assert.throws(() => parseConfig(['--newest-kubernetes-minor=latest'], {}), /--newest-kubernetes-minor: expected a minor such as 1\.37/);
    assert.throws(() => parseConfig(['--newest-kubernetes-minor-released=2026-08-25'], {}), /needs --newest-kubernetes-minor/);
    assert.throws(() => parseConfig(['--newest-kubernetes-minor=1.37', '--newest-kubernetes-minor-released=soon'], {}), /--newest-kubernetes-minor-released: expected a date/);
    assert.throws(() => parseConfig(['--restart-grace=15'], {}), /--restart-grace: expected a duration up to 24h such as 15s or 2m, got "15"/);
    assert.throws(() => parseConfig(['--restart-grace=25h'], {}), /--restart-grace: expected a duration up to 24h/);
  });

  it('takes the 403 grace window after an API server restart from --restart-grace, 15 s by default', () => {
    assert.equal(parseConfig([], {}).restartGraceMs, 15_000);
    assert.equal(parseConfig(['--restart-grace=2m'], {}).restartGraceMs, 120_000);
    assert.equal(parseConfig(['--restart-grace=0s'], {}).restartGraceMs, 0);
  });

  it('takes CL-001\'s newest Kubernetes minor from a flag, with the build-time default otherwise', () => {
    assert.equal(parseConfig([], {}).releases, undefined);
    assert.deepEqual(parseConfig(['--newest-kubernetes-minor=1.37', '--newest-kubernetes-minor-released=2026-08-25'], {}).releases, { newestMinor: 37, newestMinorReleased: '2026-08-25' });
    assert.deepEqual(parseConfig(['--newest-kubernetes-minor=38'], {}).releases, { newestMinor: 38, newestMinorReleased: undefined });
  });
});
