// The operator's container as config/manager/deployment.yaml ships it: its memory limit and the
// Node.js flags it runs with. The memory tests and the benchmark read them from there, so what is
// measured is what ships.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './install.js';

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  resources?: { limits?: { memory?: string } };
}

function operatorContainer(): Container {
  const deployment = parse(readFileSync(path.join(repoRoot, 'config', 'manager', 'deployment.yaml'), 'utf8')) as { spec: { template: { spec: { containers: Container[] } } } };
  const container = deployment.spec.template.spec.containers.find((c) => c.name === 'operator');
  if (container === undefined) throw new Error('config/manager/deployment.yaml has no container "operator"');
  return container;
}

function mebibytes(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (m?.[1] === undefined) throw new Error(`memory limit ${quantity}: expected NMi or NGi`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

const container = operatorContainer();

/** The memory limit of the operator's container. */
export const MEMORY_LIMIT_MIB = mebibytes(container.resources?.limits?.memory ?? '');

/** The container's NODE_OPTIONS: the heap sized for that limit (see the Deployment's comment). */
export const CONTAINER_NODE_OPTIONS = container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
if (!/--max-old-space-size=\d+/.test(CONTAINER_NODE_OPTIONS)) throw new Error('config/manager/deployment.yaml: NODE_OPTIONS must size the heap (--max-old-space-size)');
