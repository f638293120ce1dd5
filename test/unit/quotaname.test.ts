import assert from 'node:assert/strict';
import { parseSpec } from '../../src/api/parse.js';
import { isQuotaResourceName } from '../../src/api/resources.js';

describe('resourceQuota.hard keys: only names the API server accepts in a ResourceQuota', () => {
  it('accepts standard, huge page and qualified names', () => {
    for (const name of ['pods', 'requests.cpu', 'limits.memory', 'cpu', 'services.loadbalancers', 'requests.ephemeral-storage', 'hugepages-2Mi', 'requests.hugepages-1Gi', 'count/deployments.apps', 'requests.nvidia.com/gpu', 'gold.storageclass.storage.k8s.io/requests.storage']) {
      assert.ok(isQuotaResourceName(name), name);
    }
  });

  it('refuses typos and malformed qualified names, which the API server would refuse after the other objects were written', () => {
    for (const name of ['pod', 'cpus', 'requests.cpus', 'limits.gpu', 'memory.limits', 'a/b/c', 'Example.com/x', '/x', 'x/', `${'a'.repeat(254)}/x`, `example.com/${'x'.repeat(64)}`]) {
      assert.ok(!isQuotaResourceName(name), name);
    }
  });

  it('makes such a spec InvalidSpec, naming the key and why', () => {
    const result = parseSpec({ namespaceSelector: {}, resourceQuota: { hard: { pods: '10', pod: '10' } } });
    assert.ok(!result.ok);
    assert.match(result.error, /^spec\.resourceQuota\.hard\.pod: must be a standard quota resource name such as requests\.cpu, limits\.memory or pods, or a qualified name such as count\/deployments\.apps$/);
  });
});
