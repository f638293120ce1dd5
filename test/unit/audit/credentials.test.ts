import assert from 'node:assert/strict';
import { isSensitiveName, sensitiveValueKind } from '../../../src/audit/sensitive.js';
import type { AuditInput, PodSpec, Result } from '../../../src/audit/types.js';
import { auditInput, deployment, run, runOnPod, securePodSpec, withContainer } from './fixtures.js';

describe('WL-014 token automount', () => {
  const cases: { name: string; spec: PodSpec; input?: Partial<AuditInput>; result: Result; message?: string }[] = [
    { name: 'pod sets false', spec: securePodSpec(), result: 'pass' },
    {
      name: 'pod unset, ServiceAccount sets false',
      spec: securePodSpec({ automountServiceAccountToken: undefined }),
      result: 'pass',
    },
    {
      name: 'pod unset, ServiceAccount unset: defaults to true',
      spec: securePodSpec({ automountServiceAccountToken: undefined }),
      input: { serviceAccounts: [{ name: 'app' }] },
      result: 'fail',
      message: 'pod: set spec.automountServiceAccountToken: false unless it calls the Kubernetes API (it defaults to true; ServiceAccount app)',
    },
    {
      name: 'pod true wins over ServiceAccount false',
      spec: securePodSpec({ automountServiceAccountToken: true }),
      result: 'fail',
      message: 'pod: set spec.automountServiceAccountToken: false unless it calls the Kubernetes API (the pod sets it to true; ServiceAccount app)',
    },
    {
      name: 'pod false wins over ServiceAccount true',
      spec: securePodSpec({ automountServiceAccountToken: false }),
      input: { serviceAccounts: [{ name: 'app', automountServiceAccountToken: true }] },
      result: 'pass',
    },
    {
      name: 'no serviceAccountName means default',
      spec: securePodSpec({ automountServiceAccountToken: undefined, serviceAccountName: undefined }),
      input: { serviceAccounts: [{ name: 'default', automountServiceAccountToken: true }] },
      result: 'fail',
      message: 'pod: set spec.automountServiceAccountToken: false unless it calls the Kubernetes API (ServiceAccount default sets it to true; ServiceAccount default)',
    },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.result}`, () => {
      const findings = run('WL-014', auditInput({ workloads: [deployment('web', c.spec)], ...c.input }));
      assert.equal(findings.length, 1);
      assert.equal(findings[0]?.result, c.result);
      if (c.message !== undefined) assert.equal(findings[0].message, c.message);
    });
  }
});

describe('WL-016 secrets as files and WL-017 literal credentials', () => {
  const cases: { check: string; name: string; spec: PodSpec; result: Result; message?: string }[] = [
    { check: 'WL-016', name: 'secret mounted as a volume', spec: securePodSpec({ volumes: [{ name: 's', secret: { secretName: 'db' } }] }), result: 'pass' },
    { check: 'WL-016', name: 'configMapKeyRef only', spec: withContainer({ env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }] }), result: 'pass' },
    {
      check: 'WL-016',
      name: 'secretKeyRef and envFrom secretRef',
      spec: withContainer({ env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }], envFrom: [{ secretRef: { name: 'api' } }] }),
      result: 'fail',
      message: 'container app: mount the Secret as a volume instead of env DB_PASSWORD (secretKeyRef db), envFrom secretRef api',
    },
    { check: 'WL-017', name: 'harmless env values', spec: withContainer({ env: [{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'PWD', value: '/app' }, { name: 'TOKEN_FILE', value: '/var/run/token' }] }), result: 'pass' },
    { check: 'WL-017', name: 'password from a Secret', spec: withContainer({ env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'p' } } }] }), result: 'pass' },
    { check: 'WL-017', name: 'a $(VAR) reference', spec: withContainer({ env: [{ name: 'API_TOKEN', value: '$(TOKEN)' }] }), result: 'pass' },
    { check: 'WL-017', name: 'literal password', spec: withContainer({ env: [{ name: 'DB_PASSWORD', value: 'hunter2' }] }), result: 'fail', message: 'container app: move the literal value of env DB_PASSWORD into a Secret' },
    { check: 'WL-017', name: 'AWS secret key', spec: withContainer({ env: [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'abc' }] }), result: 'fail' },
    { check: 'WL-017', name: 'Azure storage key', spec: withContainer({ env: [{ name: 'AZURE_STORAGE_KEY', value: 'abc' }] }), result: 'fail' },
    { check: 'WL-017', name: 'bearer token', spec: withContainer({ env: [{ name: 'BEARER', value: 'abc' }] }), result: 'fail' },
    {
      check: 'WL-017',
      name: 'boolean switches about credentials',
      spec: withContainer({ env: ['1', 'true', 'yes', 'False', ' no ', 'on'].map((value, i) => ({ name: i === 0 ? 'MYSQL_ALLOW_EMPTY_PASSWORD' : `MYSQL_RANDOM_ROOT_PASSWORD${i}`, value })) }),
      result: 'pass',
    },
    { check: 'WL-017', name: 'a password that is a word, not a switch', spec: withContainer({ env: [{ name: 'MYSQL_ROOT_PASSWORD', value: 'yes-really' }] }), result: 'fail' },
  ];
  for (const c of cases) {
    it(`${c.check} ${c.name}: ${c.result}`, () => {
      const f = runOnPod(c.check, c.spec);
      assert.equal(f.result, c.result, f.message);
      if (c.message !== undefined) assert.equal(f.message, c.message);
    });
  }

  it('never repeats the credential in the message', () => {
    const f = runOnPod('WL-017', withContainer({ env: [{ name: 'DB_PASSWORD', value: 'hunter2' }] }));
    assert.ok(!f.message.includes('hunter2'));
  });
});

describe('SEC-001 sensitive ConfigMap', () => {
  const cases: { name: string; data: Record<string, string>; result: Result; message?: string }[] = [
    { name: 'plain settings', data: { 'log.level': 'info', 'app.properties': 'server.port=8080\nfeature.x=true' }, result: 'pass' },
    { name: 'a CA certificate', data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' }, result: 'pass' },
    { name: 'a placeholder', data: { 'db.password': '${DB_PASSWORD}' }, result: 'pass' },
    { name: 'a boolean switch about a password', data: { MYSQL_ALLOW_EMPTY_PASSWORD: 'yes' }, result: 'pass' },
    { name: 'a password key', data: { db_password: 'hunter2' }, result: 'fail', message: 'key db_password: move it into a Secret (its name looks like a credential)' },
    { name: 'a private key value', data: { 'tls.key': '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----' }, result: 'fail', message: 'key tls.key: move it into a Secret (it contains a private key)' },
    { name: 'a password inside a config file', data: { 'application.properties': 'spring.datasource.url=jdbc:x\nspring.datasource.password=hunter2' }, result: 'fail', message: 'key application.properties: move it into a Secret (it contains a credential assignment)' },
    { name: 'a URL with credentials', data: { 'db.url': 'postgres://app:hunter2@db:5432/app' }, result: 'fail', message: 'key db.url: move it into a Secret (it contains a URL with a password)' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.result}`, () => {
      const findings = run('SEC-001', auditInput({ configMaps: [{ name: 'cfg', data: c.data }] }));
      assert.equal(findings.length, 1);
      const [f] = findings;
      assert.equal(f?.result, c.result, f?.message);
      assert.deepEqual(f.resource, { kind: 'ConfigMap', namespace: 'shop', name: 'cfg' });
      if (c.message !== undefined) assert.equal(f.message, c.message);
      assert.ok(!f.message.includes('hunter2'));
    });
  }
});

describe('credential heuristics', () => {
  it('recognises sensitive names and leaves references alone', () => {
    for (const n of ['PASSWORD', 'db_passwd', 'apiKey', 'API-KEY', 'GITHUB_TOKEN', 'client_secret', 'PRIVATE_KEY', 'AZURE_CLIENT_KEY']) assert.ok(isSensitiveName(n), n);
    for (const n of ['PWD', 'PASSWORD_FILE', 'TOKEN_PATH', 'SECRET_NAME', 'TOKEN_TTL', 'LOG_LEVEL', 'KEYCLOAK_URL']) assert.ok(!isSensitiveName(n), n);
  });

  it('recognises credential-looking values', () => {
    assert.equal(sensitiveValueKind('AKIAIOSFODNN7EXAMPLE'), 'an AWS access key id');
    assert.equal(sensitiveValueKind(`ghp_${'x'.repeat(36)}`), 'a GitHub token');
    assert.equal(sensitiveValueKind('password: ${DB_PASSWORD}'), undefined);
    assert.equal(sensitiveValueKind("password: ''"), undefined);
    assert.equal(sensitiveValueKind('token_ttl: 3600'), undefined);
    assert.equal(sensitiveValueKind('https://example.com/path'), undefined);
  });
});
