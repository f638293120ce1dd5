// auditCpuMs: the operator's CPU to re-audit every workload after an audit-only spec change, at up to
// 1,000 namespaces with 10 pods each (the target is at 1,000; 10 pods in each of 10,000
// namespaces would be 100,000 pods, which measures the control plane more than the operator).
import { performance } from 'node:perf_hooks';
import { BASELINE, fullSpec, type BenchCluster } from './cluster.js';
import type { RunningOperator } from './operator.js';
import { isRetryable, waitOperatorIdle } from './phases.js';
import { cpuSeconds } from './proc.js';
import { pool, waitFor, withRetries } from './util.js';

export const PODS_PER_NAMESPACE = 10;
export const MAX_AUDIT_NAMESPACES = 1000;

/** A pod the namespace's restricted Pod Security level admits (no scheduler runs: it stays Pending). */
function pod(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/bench/app:1.0',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
        },
      ],
    },
  };
}

export interface AuditCpuRun {
  pods: number;
  cpuMs: number;
  seconds: number;
}

export async function auditCpuRun(cluster: BenchCluster, op: RunningOperator, namespaces: readonly string[], concurrency: number, signal: AbortSignal): Promise<AuditCpuRun> {
  const items = namespaces.flatMap((ns) => Array.from({ length: PODS_PER_NAMESPACE }, (_, i) => ({ ns, name: `w-${i}` })));
  await pool(
    items,
    concurrency,
    async ({ ns, name }) => {
      await withRetries(() => cluster.admin.ok('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, pod(name), undefined, [409]), isRetryable, 5, () => undefined, signal);
    },
    signal,
  );
  // Every pod audited once before the change is measured.
  await waitOperatorIdle(cluster, op, 3000, 600_000, signal);

  const path = `/apis/posture.dev/v1alpha1/securitybaselines/${BASELINE}`;
  const cpu0 = cpuSeconds(op.pid);
  const t0 = performance.now();
  // Audit only: WL-013 asks for limits.cpu too. Nothing written into namespaces changes.
  await cluster.admin.apply(path, { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name: BASELINE }, spec: { ...fullSpec(), audit: { requireCpuLimit: true } } }, 'posture-bench');
  await waitFor(
    () => 'the audit-only change to be observed',
    async () => {
      const s = await cluster.baselineStatus();
      return s.generation !== undefined && s.observedGeneration === s.generation;
    },
    120_000,
    signal,
    250,
  );
  const quietMs = 3000;
  await waitOperatorIdle(cluster, op, quietMs, 600_000, signal);
  const cpu1 = cpuSeconds(op.pid);
  if (cpu0 === undefined || cpu1 === undefined) throw new Error('the operator\'s CPU time cannot be read');
  return { pods: items.length, cpuMs: (cpu1 - cpu0) * 1000, seconds: (performance.now() - t0 - quietMs) / 1000 };
}
