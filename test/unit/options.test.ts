import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigSource, parseOptions } from '../../src/options.js';

describe('command-line options', () => {
  it('--help, -h and --version win over everything else', () => {
    assert.equal(parseOptions(['--help'], {}).action, 'help');
    assert.equal(parseOptions(['--concurrency=9', '-h'], {}).action, 'help');
    assert.equal(parseOptions(['--version'], {}).action, 'version');
    assert.equal(parseOptions([], {}).action, 'run');
  });

  it('takes --kubeconfig in both forms and leaves the operator flags alone', () => {
    const spaced = parseOptions(['--kubeconfig', '/a', '--concurrency=2'], {});
    assert.equal(spaced.kubeconfig, '/a');
    assert.deepEqual(spaced.rest, ['--concurrency=2']);
    assert.equal(parseOptions(['--kubeconfig=/b'], {}).kubeconfig, '/b');
    assert.throws(() => parseOptions(['--kubeconfig'], {}), /--kubeconfig: expects a value/);
    assert.throws(() => parseOptions(['--kubeconfig='], {}), /--kubeconfig: expects a value/);
  });

  it('secure metrics: on in a pod, off on a laptop, and either way by flag', () => {
    const pod = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };
    assert.equal(parseOptions([], pod).metrics.secure, true);
    assert.equal(parseOptions([], {}).metrics.secure, false);
    assert.equal(parseOptions(['--metrics-secure=false'], pod).metrics.secure, false);
    assert.equal(parseOptions(['--metrics-secure'], {}).metrics.secure, true);
    assert.throws(() => parseOptions(['--metrics-secure=maybe'], {}), /--metrics-secure: expected true or false, got "maybe"/);
    assert.deepEqual(parseOptions(['--metrics-cert-path=/certs'], {}).metrics, { secure: false, certDir: '/certs', certName: 'tls.crt', keyName: 'tls.key' });
    assert.deepEqual(parseOptions(['--metrics-cert-path', '/c', '--metrics-cert-name=a.pem', '--metrics-cert-key=b.pem'], {}).metrics, {
      secure: false,
      certDir: '/c',
      certName: 'a.pem',
      keyName: 'b.pem',
    });
  });
});

describe('where the cluster comes from', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'posture-options-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('in kubectl order: --kubeconfig, KUBECONFIG, ~/.kube/config, then the pod', () => {
    const file = join(dir, 'kc');
    writeFileSync(file, '');
    assert.deepEqual(kubeconfigSource(file, { KUBECONFIG: '/missing' }, dir), { kind: 'file', path: file });
    assert.deepEqual(kubeconfigSource(undefined, { KUBECONFIG: `/missing:${file}` }, dir), { kind: 'default' });
    mkdirSync(join(dir, '.kube'));
    writeFileSync(join(dir, '.kube', 'config'), '');
    assert.deepEqual(kubeconfigSource(undefined, { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, dir), { kind: 'default' });
    rmSync(join(dir, '.kube'), { recursive: true });
    assert.deepEqual(kubeconfigSource(undefined, { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, dir), { kind: 'in-cluster' });
  });

  it('says in one line what to do when there is none, or the named file is missing', () => {
    assert.throws(() => kubeconfigSource(undefined, {}, dir), (err: Error) => {
      assert.match(err.message, /^no cluster configured: pass --kubeconfig, set KUBECONFIG/);
      assert.doesNotMatch(err.message, /\n|skipTLSVerify/);
      return true;
    });
    assert.throws(() => kubeconfigSource(join(dir, 'nope'), {}, dir), /--kubeconfig: .*nope does not exist/);
    assert.throws(() => kubeconfigSource(undefined, { KUBECONFIG: '/x:/y' }, dir), /KUBECONFIG: \/x, \/y does not exist/);
  });
});
