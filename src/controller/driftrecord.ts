import type { DriftRecord } from '../api/status.js';
import { fieldManager, labelChangedBy, type FieldsEntry } from '../kube/managedfields.js';
import { NAMESPACE, resourceTypeOf } from '../kube/resources.js';
import { lastOtherManager, type Action } from './plan.js';

/**
 * What one repair action says about the drift it undoes: which object, how it changed, and the
 * field manager that changed it (`fieldManager="kubectl-label"`), or unknown where the API cannot
 * tell (a deletion, a removed label).
 */
export function driftRecord(action: Action, namespace: string, now: Date, nsLabels: Readonly<Record<string, string>>, nsFields: readonly FieldsEntry[] | undefined): DriftRecord {
  const time = now.toISOString();
  switch (action.type) {
    case 'labels': {
      const changed = Object.entries(action.desired.labels)
        .filter(([k, v]) => nsLabels[k] !== v)
        .map(([k]) => k);
      return { time, namespace, kind: 'Namespace', name: namespace, change: 'Modified', by: fieldManager(labelChangedBy(nsFields, changed)) };
    }
    case 'create':
      return { time, namespace, kind: action.object.kind, name: action.object.metadata.name, change: 'Deleted', by: fieldManager(undefined) };
    case 'update':
      return { time, namespace, kind: action.object.kind, name: action.object.metadata.name, change: 'Modified', by: fieldManager(lastOtherManager(action.existing)) };
    case 'delete':
      return { time, namespace, kind: action.kind, name: action.name, change: 'Modified', by: fieldManager(lastOtherManager(action.existing)) };
  }
}

/** The object an action writes, as `<plural>/<name>`: how an answered write finds the drift it undoes. */
export function actionTarget(action: Action): string {
  switch (action.type) {
    case 'labels':
      return `${NAMESPACE.plural}/${action.namespace}`;
    case 'create':
    case 'update':
      return `${resourceTypeOf(action.object.apiVersion, action.object.kind).plural}/${action.object.metadata.name}`;
    case 'delete':
      return `${resourceTypeOf(action.apiVersion, action.kind).plural}/${action.name}`;
  }
}
