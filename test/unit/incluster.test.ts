import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inClusterAccess } from '../../src/kube/access.js';

describe('in-cluster access (no client library)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'posture-sa-'));
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'token'), 'first\n');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the Service address kubelet sets, brackets an IPv6 host, and reads the token file each time (it rotates)', async () => {
    const access = await inClusterAccess({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, dir);
    assert.equal(access.server, 'https://[fd00::1]:6443');
    assert.deepEqual(await access.headers(), { authorization: 'Bearer first' });
    writeFileSync(join(dir, 'token'), 'rotated');
    assert.deepEqual(await access.headers(), { authorization: 'Bearer rotated' });
    const v4 = await inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }, dir);
    assert.equal(v4.server, 'https://10.96.0.1:443');
  });

  it('says which file is missing', async () => {
    rmSync(join(dir, 'ca.crt'));
    await assert.rejects(inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }, dir), /in-cluster: cannot read the cluster CA .*ca\.crt/);
    await assert.rejects(inClusterAccess({}, dir), /KUBERNETES_SERVICE_HOST is not set/);
  });
});
