import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Io } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/main.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `posture ARGS` in-process, in a directory, with the given standard input. */
export async function posture(args: readonly string[], options: { cwd?: string; stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    readStdin: () => Promise.resolve(options.stdin ?? ''),
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const created: string[] = [];

// A root-level hook (this module loads while mocha loads the test files): no temp dir outlives the run.
after(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temporary directory holding the given files (relative path -> content). */
export async function files(contents: Readonly<Record<string, string>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'posture-cli-'));
  created.push(dir);
  for (const [path, text] of Object.entries(contents)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

export const NAMESPACE = `apiVersion: v1
kind: Namespace
metadata:
  name: team-a
  labels:
    posture.dev/tier: tenant
`;

/** Line 1..: a privileged, unpinned Deployment; the compliant one starts at line 18 of APP. */
export const PRIVILEGED = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team-a
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:latest
          securityContext: {privileged: true}
`;

export const COMPLIANT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: team-a
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      automountServiceAccountToken: false
      serviceAccountName: api
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: api
          image: registry.example.com/api:1.4.2@sha256:0000000000000000000000000000000000000000000000000000000000000000
          imagePullPolicy: Always
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
`;

export const BASELINE = `apiVersion: posture.dev/v1alpha1
kind: SecurityBaseline
metadata:
  name: tenants
spec:
  namespaceSelector:
    matchLabels: {posture.dev/tier: tenant}
  excludeNamespaces: [legacy-*]
  podSecurity: {enforce: restricted}
  audit:
    allowedRegistries: [registry.example.com]
    exemptions:
      - checks: [WL-012]
        reason: vendor image writes to its root
`;

export function docs(...parts: string[]): string {
  return parts.join('---\n');
}
