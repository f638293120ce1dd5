import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { checkPorts, clusterBanner, effectiveAddress, localBanner } from '../../hack/startplan.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('npm start', function () {
  this.timeout(60_000);

  it('the user\'s address flags win over the local defaults, in both spellings', () => {
    assert.equal(effectiveAddress([], 'metrics-bind-address').text, '127.0.0.1:8080');
    assert.equal(effectiveAddress(['--metrics-bind-address=127.0.0.1:9090'], 'metrics-bind-address').text, '127.0.0.1:9090');
    assert.equal(effectiveAddress(['--health-probe-bind-address', '127.0.0.1:9091'], 'health-probe-bind-address').text, '127.0.0.1:9091');
    assert.equal(effectiveAddress(['--metrics-bind-address=0'], 'metrics-bind-address').address, undefined);
  });

  it('a busy port is named with its flag before anything starts', async () => {
    const busy = await occupy();
    try {
      const problems = await checkPorts([`--metrics-bind-address=127.0.0.1:${busy.port}`, '--health-probe-bind-address=0']);
      assert.deepEqual(problems, [`127.0.0.1:${busy.port} is in use; pass --metrics-bind-address=127.0.0.1:<free port> (or --metrics-bind-address=0 to turn it off)`]);
      // The whole command stops there: no control plane, no banner, exit 2.
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'hack/start.ts', '--metrics-bind-address=0', `--health-probe-bind-address=127.0.0.1:${busy.port}`], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' },
        timeout: 50_000,
      });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr, `posture: 127.0.0.1:${busy.port} is in use; pass --health-probe-bind-address=127.0.0.1:<free port> (or --health-probe-bind-address=0 to turn it off)\n`);
    } finally {
      busy.server.close();
    }
  });

  it('the local banner shows the ports passed, the identity, and what Ctrl-C stops', () => {
    const text = localBanner({
      adminKubeconfig: '/r/.local/kubeconfig',
      identity: 'system:serviceaccount:posture-system:posture-operator (groups: system:serviceaccounts)',
      metrics: '127.0.0.1:9090',
      health: '127.0.0.1:9091',
      demoNamespace: 'demo',
      ownsControlPlane: false,
    });
    assert.match(text, /the operator runs as system:serviceaccount:posture-system:posture-operator/);
    assert.match(text, /metrics http:\/\/127\.0\.0\.1:9090\/metrics .*health http:\/\/127\.0\.0\.1:9091\/readyz/);
    assert.match(text, /curl -s http:\/\/127\.0\.0\.1:9090\/metrics/);
    assert.doesNotMatch(text, /8080|8081/);
    assert.match(text, /the control plane from `npm run cluster:up` keeps running/);
    assert.match(localBanner({ adminKubeconfig: 'k', identity: 'x', metrics: '0', health: '127.0.0.1:1', demoNamespace: 'demo', ownsControlPlane: true }), /Ctrl-C stops the operator and the control plane\./);
  });

  it('reusing KUBECONFIG says so, who the operator runs as, and what is not installed', () => {
    const text = clusterBanner({
      kubeconfig: '/home/me/.kube/prod',
      source: 'KUBECONFIG',
      context: 'prod',
      server: 'https://10.0.0.1:6443',
      identity: 'kubernetes-admin (groups: kubeadm:cluster-admins, system:authenticated)',
      podNamespace: undefined,
      metrics: '127.0.0.1:8080',
      health: '127.0.0.1:8081',
    });
    assert.match(text, /using the cluster from KUBECONFIG \(\/home\/me\/\.kube\/prod\), context "prod", server https:\/\/10\.0\.0\.1:6443/);
    assert.match(text, /runs as kubernetes-admin .*not the operator's ClusterRole/);
    assert.match(text, /nothing is installed into this cluster/);
    assert.match(text, /POD_NAMESPACE is not set/);
  });
});
