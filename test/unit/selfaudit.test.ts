import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { auditSpecSchema } from '../../src/api/audit.js';
import { evaluateNamespace } from '../../src/audit/evaluate.js';
import { annotationIndex, applyExemptions } from '../../src/audit/exemptions.js';
import { auditConfig, gatherAuditInput } from '../../src/controller/auditinput.js';
import type { CacheView, CachedObject } from '../../src/runtime/caches.js';

const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  Deployment: 'deployments',
  ServiceAccount: 'serviceaccounts',
  Service: 'services',
  ResourceQuota: 'resourcequotas',
  LimitRange: 'limitranges',
  NetworkPolicy: 'networkpolicies',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
};

describe("the operator's own namespace passes its own audit", () => {
  it('config/default, rendered, fails no check at the restricted level', () => {
    const rendered = parseAllDocuments(execFileSync('kubectl', ['kustomize', 'config/default'], { encoding: 'utf8' })).map((d) => d.toJS() as CachedObject & { kind: string });
    const byPlural = new Map<string, CachedObject[]>();
    for (const o of rendered) {
      const plural = PLURALS[o.kind];
      if (plural !== undefined) byPlural.set(plural, [...(byPlural.get(plural) ?? []), o]);
    }
    const view: CacheView = {
      list: (plural, namespace) => (byPlural.get(plural) ?? []).filter((o) => namespace === undefined || o.metadata?.namespace === undefined || o.metadata.namespace === namespace),
      get: (plural, name) => (byPlural.get(plural) ?? []).find((o) => o.metadata?.name === name),
    };
    const config = auditConfig(auditSpecSchema.parse({ allowedRegistries: ['ghcr.io/posture-dev'] }), 'restricted');
    const input = gatherAuditInput(view, 'posture-system', config);
    const findings = applyExemptions(evaluateNamespace(input), { now: new Date(), workloadAnnotations: annotationIndex(input), namespace: 'posture-system' });
    assert.ok(findings.some((f) => f.result === 'pass' && f.checkId === 'WL-010'), 'the Deployment was evaluated');
    const failing = findings.filter((f) => f.result === 'fail' || f.result === 'warn').map((f) => `${f.checkId} ${f.resource.kind}/${f.resource.name}: ${f.message}`);
    assert.deepEqual(failing, []);
    const skipped = findings.filter((f) => f.result === 'skip' && (f.checkId === 'WL-014' || f.checkId === 'IMG-002'));
    assert.equal(skipped.length, 2, 'only the two exempted checks are skipped, with their reason');
    // `kubectl kustomize` is a child process: seconds on a loaded machine. A hang guard, not a speed assertion.
  }).timeout(60_000);
});
