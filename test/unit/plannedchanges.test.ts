import assert from 'node:assert/strict';
import { securityBaselineSpecSchema } from '../../src/api/securitybaseline.js';
import { planNamespace } from '../../src/controller/plan.js';
import { countActions } from '../../src/controller/reconciler.js';
import type { NamespaceResult } from '../../src/controller/results.js';
import { computeStatus } from '../../src/controller/status.js';
import type { AuditAggregate } from '../../src/controller/auditstore.js';
import { renderNamespace } from '../../src/render/index.js';
import { renderNamespaceLabels } from '../../src/render/namespace.js';

const now = new Date('2026-11-29T00:00:00Z');
const noAudit: AuditAggregate = { summary: { pass: 0, fail: 0, warn: 0, error: 0, skip: 0, annotationSkips: 0 }, complianceScore: 100, compliant: 0, audited: 0, findings: [] };
const b = { name: 'b', uid: 'u', generation: 1, spec: securityBaselineSpecSchema.parse({ namespaceSelector: {}, podSecurity: { enforce: 'restricted' }, resourceQuota: { hard: { pods: '5' } } }) };

function planned(namespace: string): NamespaceResult['planned'] {
  const actions = planNamespace({ namespace, desired: renderNamespace(b, namespace), desiredLabels: renderNamespaceLabels(b), existing: [], existingNamespace: { labels: {}, annotations: {} }, frozenOwners: new Set(), frozenLabelOwners: new Set() });
  return countActions(actions, namespace);
}

describe('Audit mode: examples of the planned changes', () => {
  it('names each write by verb, kind and object, the Namespace for its Pod Security labels', () => {
    assert.deepEqual(planned('shop'), {
      create: 4,
      update: 1,
      delete: 0,
      examples: [
        { verb: 'update', namespace: 'shop', kind: 'Namespace', name: 'shop' },
        { verb: 'create', namespace: 'shop', kind: 'NetworkPolicy', name: 'posture-default-deny' },
        { verb: 'create', namespace: 'shop', kind: 'NetworkPolicy', name: 'posture-allow-dns' },
        { verb: 'create', namespace: 'shop', kind: 'NetworkPolicy', name: 'posture-allow-same-namespace' },
        { verb: 'create', namespace: 'shop', kind: 'ResourceQuota', name: 'posture-quota' },
      ],
    });
    assert.deepEqual(countActions([], 'shop'), { create: 0, update: 0, delete: 0 }, 'nothing to write: no examples key');
  });

  it('puts at most 10 on the status, namespaces in name order, in Audit mode only', () => {
    const results: [string, NamespaceResult][] = ['zeta', 'alpha', 'mid'].map((ns) => [ns, { winner: 'b', generation: 1, losers: [], inSync: false, planned: planned(ns) }]);
    const input = { name: 'b', generation: 1, invalidSpec: undefined, results, previous: undefined, drift: undefined, pendingNamespaces: 0, audit: noAudit, now };
    const audit = computeStatus({ ...input, mode: 'Audit' });
    const examples = audit.plannedChanges?.examples ?? [];
    assert.equal(examples.length, 10, '15 writes planned, 10 shown');
    assert.deepEqual(examples.map((e) => e.namespace), [...Array<string>(5).fill('alpha'), ...Array<string>(5).fill('mid')]);
    assert.deepEqual(audit.plannedChanges && { ...audit.plannedChanges, examples: undefined }, { namespaces: 3, create: 12, update: 3, delete: 0, examples: undefined });
    assert.equal(computeStatus({ ...input, mode: 'Enforce' }).plannedChanges, undefined);
    const reordered = computeStatus({ ...input, results: [...results].reverse(), mode: 'Audit' });
    assert.deepEqual(reordered.plannedChanges, audit.plannedChanges, 'the order results arrive in does not change the status');
  });
});
