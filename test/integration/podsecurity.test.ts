// Ground truth for the Pod Security checks: every pod of a generated corpus
// (support/podcorpus.ts) is judged by our podSecurityViolations and by the real kube-apiserver's
// Pod Security Admission, at baseline and at restricted, and the verdicts must agree exactly.
//
// The API server's verdict: a server-side dry-run create (?dryRun=All) into a namespace labelled
// pod-security.kubernetes.io/enforce=<level> with enforce-version=<version>, for `latest` and for
// every policy version at which some check changed (and the one before, and one past the newest),
// so each implementation of each check meets the API server's. 201 means admitted; 403 with "violates PodSecurity" means rejected; anything
// else (422 from validation, a missing ServiceAccount, ...) is a broken corpus entry or a broken
// cluster and fails the run loudly rather than counting as either verdict.
//
// Ephemeral containers cannot be set on create (validation: "cannot be set on create"); they are
// only ever added to an existing pod through the pods/ephemeralcontainers subresource, and Pod
// Security Admission evaluates that update: "ephemeralcontainers" is not one of its ignored
// subresources, and adding an ephemeral container is a "significant" update, so it checks the
// whole updated pod (admission.go: ValidatePod, isSignificantPodUpdate). That is the faithful way to
// ask the API server about them: for every corpus pod with ephemeral containers, the pod without
// them is created for real (it stays Pending: there is no scheduler) while the namespaces carry no
// enforce label, the labels are set afterwards (a label change only warns about existing pods, as
// when a cluster tightens a namespace), and the verdict is that of a dry-run update of
// pods/<name>/ephemeralcontainers (200 admitted, 403 rejected). Creating the pods first is what lets
// the corpus put ephemeral containers on pods that do not pass the level themselves, where the
// update must fail even for a hardened debug container.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ControlPlane } from '../../hack/controlplane/launcher.js';
import { podSecurityViolations } from '../../src/audit/podsecurity.js';
import { sharedControlPlane } from './support/controlplane.js';
import { admin, adminClient, type Admin, type Method } from './support/kube.js';
import { podCorpus, type CorpusPod } from './support/podcorpus.js';
import { eventually } from './support/wait.js';

type Level = 'baseline' | 'restricted';
const LEVELS: readonly Level[] = ['baseline', 'restricted'];
/** Policy versions at which a check changed (podsecurity/registry.ts), a few before them, one past the newest, and latest. */
const VERSIONS: readonly string[] = ['v1.0', 'v1.7', 'v1.8', 'v1.18', 'v1.19', 'v1.22', 'v1.23', 'v1.24', 'v1.25', 'v1.27', 'v1.29', 'v1.31', 'v1.34', 'v1.35', 'v1.36', 'latest'];

interface Target {
  level: Level;
  version: string;
  namespace: string;
}

interface Reply {
  status: number;
  body: string;
}

type Send = (method: Method, path: string, body?: unknown) => Promise<Reply>;

/** Raw admin requests that return the status instead of throwing on >= 400 (fetchAsAdmin throws). */
async function rawClient(cp: ControlPlane): Promise<Send> {
  const client = await adminClient(cp);
  return async (method, path, body) => {
    const res = await client.send({ method, path, body });
    return { status: res.status, body: res.text };
  };
}

interface ServerVerdict {
  violates: boolean;
  /** The API server's message when it rejected the pod. */
  message: string;
}

/** `ok` is the status of an admitted request; only a PodSecurity 403 counts as a rejection. */
function verdictOf(reply: Reply, ok: number, what: string): ServerVerdict {
  if (reply.status === ok) return { violates: false, message: '' };
  let message = '';
  try {
    message = (JSON.parse(reply.body) as { message?: string }).message ?? '';
  } catch {
    // not a Status: falls through to the loud failure below
  }
  if (reply.status === 403 && message.includes('violates PodSecurity')) return { violates: true, message };
  throw new Error(`${what}: the API server answered ${reply.status}, which is neither admission (${ok}) nor a PodSecurity rejection (403): ${reply.body}`);
}

/** The pod as created: without ephemeral containers, which are added by an update. */
function podObject(pod: CorpusPod): object {
  const spec = { ...pod.spec, ephemeralContainers: undefined }; // JSON.stringify drops it
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.name, ...(pod.annotations === undefined ? {} : { annotations: pod.annotations }) }, spec };
}

function hasEphemeral(pod: CorpusPod): boolean {
  return (pod.spec.ephemeralContainers ?? []).length > 0;
}

/** The API server's verdict on one corpus pod in a namespace enforcing one level. */
async function serverVerdict(send: Send, namespace: string, pod: CorpusPod): Promise<ServerVerdict> {
  const what = `pod ${pod.name} in ${namespace}`;
  if (!hasEphemeral(pod)) {
    return verdictOf(await send('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, podObject(pod)), 201, `dry-run create of ${what}`);
  }
  const path = `/api/v1/namespaces/${namespace}/pods/${pod.name}`;
  const current = await send('GET', path);
  if (current.status !== 200) throw new Error(`reading ${what}: ${current.status}: ${current.body}`);
  const live = JSON.parse(current.body) as { spec: Record<string, unknown> };
  const updated = { ...live, spec: { ...live.spec, ephemeralContainers: pod.spec.ephemeralContainers } };
  return verdictOf(await send('PUT', `${path}/ephemeralcontainers?dryRun=All`, updated), 200, `dry-run ephemeralcontainers update of ${what}`);
}

/** Runs fn over items with at most `limit` in flight, keeping the order of the results. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      const item = items[i];
      if (item !== undefined) out[i] = await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface Outcome {
  pod: CorpusPod;
  level: Level;
  version: string;
  ours: string[];
  server: ServerVerdict;
}

function describeVerdict(violates: boolean): string {
  return violates ? 'violates' : 'allowed';
}

describe('Pod Security Standards: our checks against the API server\'s Pod Security Admission', function () {
  let cp: ControlPlane;
  let admins: Admin | undefined;
  const corpus = podCorpus();
  const s = randomBytes(3).toString('hex');
  const targets: Target[] = LEVELS.flatMap((level) => VERSIONS.map((version) => ({ level, version, namespace: `pss-${level}-${version.replace('.', '-')}-${s}` })));
  const outcomes: Outcome[] = [];

  before(async function () {
    this.timeout(900_000); // the first run on a machine builds the control plane
    cp = await sharedControlPlane();
    const k = admin(cp);
    admins = k;
    const send = await rawClient(cp);

    // Unlabelled (privileged) at first, so that the pods for the ephemeral container cases can be created.
    for (const t of targets) await k.createNamespace(t.namespace);
    // The ServiceAccount admission plugin rejects pods until the namespace's default ServiceAccount exists.
    for (const t of targets) {
      await eventually(`the default ServiceAccount in ${t.namespace}`, async () => {
        await k.get(`/api/v1/namespaces/${t.namespace}/serviceaccounts/default`);
        return true;
      });
    }
    const baseJobs = targets.flatMap((t) => corpus.filter(hasEphemeral).map((pod) => ({ t, pod })));
    const baseErrors = (
      await mapLimit(baseJobs, 8, async ({ t, pod }) => {
        const reply = await send('POST', `/api/v1/namespaces/${t.namespace}/pods`, podObject(pod));
        return reply.status === 201 ? undefined : `creating the base pod of ${pod.name} in ${t.namespace}: ${reply.status}: ${reply.body}`;
      })
    ).filter((e) => e !== undefined);
    if (baseErrors.length > 0) throw new Error(baseErrors.join('\n'));

    for (const t of targets) {
      await k.labelNamespace(t.namespace, { 'pod-security.kubernetes.io/enforce': t.level, 'pod-security.kubernetes.io/enforce-version': t.version });
    }
    // PSA reads namespaces from an informer: wait until it enforces the new labels, using a pod
    // (outside the corpus) that fails both levels and one that fails only restricted.
    const image = 'registry.k8s.io/pause:3.10';
    const privileged: CorpusPod = { name: 'probe-privileged', spec: { containers: [{ name: 'app', image, securityContext: { privileged: true } }] } };
    const bare: CorpusPod = { name: 'probe-bare', spec: { containers: [{ name: 'app', image }] } };
    for (const t of targets) {
      await eventually(`${t.level}:${t.version} to be enforced`, async () => (await serverVerdict(send, t.namespace, t.level === 'baseline' ? privileged : bare)).violates);
    }

    const jobs = targets.flatMap((t) => corpus.map((pod) => ({ t, pod })));
    // Every unexpected answer is collected, then all of them fail the run together.
    const verdicts = await mapLimit(jobs, 8, ({ t, pod }) =>
      serverVerdict(send, t.namespace, pod).then(
        (verdict) => ({ verdict }),
        (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
      ),
    );
    const errors: string[] = [];
    jobs.forEach(({ t, pod }, i) => {
      const result = verdicts[i];
      if (result === undefined) errors.push(`no verdict for ${pod.name} at ${t.level}:${t.version}`);
      else if ('error' in result) errors.push(result.error);
      else outcomes.push({ pod, level: t.level, version: t.version, ours: podSecurityViolations(pod.spec, t.level, pod.annotations, t.version), server: result.verdict });
    });
    if (errors.length > 0) throw new Error(`${errors.length} requests got an answer that is not an admission verdict:\n${errors.join('\n')}`);
  });

  after(async function () {
    this.timeout(60_000);
    const k = admins;
    if (k === undefined) return;
    for (const t of targets) await k.send('DELETE', `/api/v1/namespaces/${t.namespace}`).catch(() => undefined);
  });

  it('agrees with the API server on every pod of the corpus, at baseline and at restricted, at every policy version', () => {
    const disagreements = outcomes.filter((o) => o.ours.length > 0 !== o.server.violates);
    const agreed = (level: Level): number => outcomes.filter((o) => o.level === level && o.ours.length > 0 === o.server.violates).length;
    const total = corpus.length * VERSIONS.length;
    const ephemeral = corpus.filter(hasEphemeral).length;
    // Not asserted, for the record: how often our wording is the server's word for word. It differs
    // only where the API server changes the pod before admission (the AppArmor annotation copied
    // into the container's field, hostPort defaulted to containerPort under hostNetwork), which
    // adds a finding to a pod that is rejected either way.
    const rejected = outcomes.filter((o) => o.server.violates);
    const sameWords = rejected.filter((o) => o.server.message.endsWith(`:${o.version}": ${o.ours.join(', ')}`)).length;
    console.log(
      `      Pod Security ground truth: ${corpus.length} pods (${ephemeral} through pods/ephemeralcontainers) at ${VERSIONS.length} policy versions (${VERSIONS.join(', ')}); ` +
        `agreement baseline ${agreed('baseline')}/${total}, restricted ${agreed('restricted')}/${total}; ` +
        `identical messages for ${sameWords}/${rejected.length} rejections`,
    );
    assert.equal(outcomes.length, corpus.length * LEVELS.length * VERSIONS.length, 'a verdict for every pod at every level and version');
    const report = disagreements.map(
      (o) =>
        `- ${o.pod.name} at ${o.level}:${o.version}: ours ${describeVerdict(o.ours.length > 0)}, API server ${describeVerdict(o.server.violates)}\n` +
        `    our messages: ${JSON.stringify(o.ours)}\n` +
        `    API server:   ${o.server.message === '' ? '(admitted)' : o.server.message}`,
    );
    assert.equal(disagreements.length, 0, `${disagreements.length} disagreements with Pod Security Admission:\n${report.join('\n')}`);
  });

  it('exercises both outcomes at both levels and every version', () => {
    for (const t of targets) {
      const at = outcomes.filter((o) => o.level === t.level && o.version === t.version);
      const rejected = at.filter((o) => o.server.violates).length;
      const admitted = at.length - rejected;
      assert.ok(rejected > 0 && admitted > 0, `at ${t.level}:${t.version} the API server rejected ${rejected} and admitted ${admitted} pods; the corpus must exercise both`);
    }
  });

  it('sees the policy change between versions: some pod is judged differently at v1.0 and at latest', () => {
    const verdict = (o: Outcome): string => `${o.pod.name}/${o.level}`;
    const at = (version: string): Set<string> => new Set(outcomes.filter((o) => o.version === version && o.server.violates).map(verdict));
    const old = at('v1.0');
    const latest = at('latest');
    assert.ok([...old].some((p) => !latest.has(p)) && [...latest].some((p) => !old.has(p)), 'v1.0 and latest reject different pods');
  });
});
