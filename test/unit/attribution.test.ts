import assert from 'node:assert/strict';
import { fieldManager, labelChangedBy, podSecurityLabelOwners, type FieldsEntry } from '../../src/kube/managedfields.js';

const entry = (manager: string, time: string, labels: string[], extra: Record<string, unknown> = {}): FieldsEntry => ({
  manager,
  operation: manager === 'posture-operator' ? 'Apply' : 'Update',
  time,
  fieldsV1: { 'f:metadata': { 'f:labels': { ...Object.fromEntries(labels.map((l) => [`f:${l}`, {}])), ...extra } } },
});

describe('attribution: field managers, never people', () => {
  const fields = [
    entry('kube-apiserver', '2026-11-26T10:00:00Z', ['kubernetes.io/metadata.name']),
    entry('posture-operator', '2026-11-26T10:01:00Z', ['pod-security.kubernetes.io/warn', 'pod-security.kubernetes.io/audit']),
    entry('kubectl-label', '2026-11-26T10:05:00Z', ['pod-security.kubernetes.io/enforce']),
    entry('helm', '2026-11-26T10:06:00Z', ['team']),
  ];

  it('shows a manager as fieldManager="<name>", and unknown as unknown', () => {
    assert.equal(fieldManager('kubectl-label'), 'fieldManager="kubectl-label"');
    assert.equal(fieldManager(undefined), 'unknown');
    assert.equal(fieldManager('unknown'), 'unknown');
    assert.equal(fieldManager('x'.repeat(500)).length, 'fieldManager=""'.length + 100);
  });

  it('names the manager that owns a changed Pod Security label, not the operator or a later unrelated manager', () => {
    assert.equal(labelChangedBy(fields, ['pod-security.kubernetes.io/enforce']), 'kubectl-label');
    assert.equal(labelChangedBy(fields, ['pod-security.kubernetes.io/warn']), undefined);
    assert.equal(labelChangedBy([], ['pod-security.kubernetes.io/enforce']), undefined);
  });

  it('keeps only the entries and labels that Pod Security attribution reads', () => {
    const kept = podSecurityLabelOwners(fields);
    assert.deepEqual(kept.map((e) => e.manager), ['posture-operator', 'kubectl-label']);
    assert.deepEqual(kept[1], entry('kubectl-label', '2026-11-26T10:05:00Z', ['pod-security.kubernetes.io/enforce']));
    assert.equal(labelChangedBy(kept, ['pod-security.kubernetes.io/enforce']), 'kubectl-label');
  });
});
