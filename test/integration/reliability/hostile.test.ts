// Hostile input: 1,000 generated SecurityBaselines (seeded; RELIABILITY_SEED replays a run), valid
// and not, applied through the API as kubectl does (fieldValidation=Strict) at one running operator.
// It never crashes, stays within its memory, never leaves a partial state, and every refusal names
// the field. The oracle for "no partial state" is the project's own pure selection and rendering
// over the specs the API server stored.
import assert from 'node:assert/strict';
import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import { parseSpec } from '../../../src/api/parse.js';
import { resourceTypeOf } from '../../../src/kube/resources.js';
import { renderNamespace } from '../../../src/render/index.js';
import { renderNamespaceLabels } from '../../../src/render/namespace.js';
import { selectBaseline, type ValidBaseline } from '../../../src/render/selection.js';
import type { RunningOperator } from '../support/operator.js';
import { eventually } from '../support/wait.js';
import { byNamespace } from './fixtures.js';
import { FUZZ_LABEL, generate, NAMESPACE_LABELS, type Generated } from './hostile.js';
import { AdminApi, cleanup, condition, CONTAINER_NODE_OPTIONS, inParallel, launchOperator, MEMORY_LIMIT_MIB, ownControlPlane, ProcessProbe, report, Rng, seedFromEnv, stopOperator, type BaselineObject } from './support.js';

const COUNT = 1000;
const NAMESPACES = 12;
const RSS_LIMIT_MIB = MEMORY_LIMIT_MIB;
const BASELINES = '/apis/posture.dev/v1alpha1/securitybaselines';

interface Outcome {
  name: string;
  generated: Generated;
  code: number;
  message: string;
}

describe('reliability: 1,000 generated SecurityBaselines, valid and hostile', function () {
  this.timeout(600_000);
  const seed = seedFromEnv();
  const rng = new Rng(seed);
  const run = `r${seed.toString(36)}`;
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `fz-${i}`);
  const outcomes: Outcome[] = [];
  let cp: ControlPlane;
  let api: AdminApi;
  let op: RunningOperator;
  let probe: ProcessProbe;
  let stored: BaselineObject[] = [];

  before(async function () {
    this.timeout(900_000);
    console.log(`      seed ${seed} (RELIABILITY_SEED=${seed} replays it)`);
    cp = await ownControlPlane();
    api = await AdminApi.connect(cp);
    for (const ns of namespaces) {
      const labels: Record<string, string> = { [FUZZ_LABEL]: run };
      for (const [k, values] of Object.entries(NAMESPACE_LABELS)) if (rng.chance(0.8)) labels[k] = rng.pick(values);
      await api.createNamespace(ns, labels);
    }
    op = await launchOperator(cp, [], { env: { NODE_OPTIONS: CONTAINER_NODE_OPTIONS } });
    probe = new ProcessProbe(op, 250).start();
  });

  after(async function () {
    this.timeout(120_000);
    await cleanup(
      () => probe.stop(),
      () => stopOperator(op),
      () => api.close(),
      () => cp.stop(),
    );
  });

  async function listStored(): Promise<BaselineObject[]> {
    return (await api.get<{ items: BaselineObject[] }>(`${BASELINES}?labelSelector=${encodeURIComponent(`${FUZZ_LABEL}=${run}`)}`)).items;
  }

  it(`applies ${COUNT} generated baselines with fieldValidation=Strict: every refusal is a 4xx naming a spec field`, async () => {
    const generated = Array.from({ length: COUNT }, () => generate(rng, run));
    const t0 = Date.now();
    await inParallel(generated, 8, async (g, i) => {
      const name = `fz-${String(i).padStart(4, '0')}`;
      const body = { apiVersion: 'posture.dev/v1alpha1', kind: 'SecurityBaseline', metadata: { name, labels: { [FUZZ_LABEL]: run } }, spec: g.spec };
      const answer = await api.attempt('POST', `${BASELINES}?fieldValidation=Strict`, body);
      outcomes.push({ name, generated: g, code: answer.code, message: answer.message.slice(answer.message.indexOf(`: ${answer.code} `) + 2) });
    });
    const seconds = (Date.now() - t0) / 1000;
    const rejected = outcomes.filter((o) => o.code !== 200);
    const byCode: Record<string, number> = {};
    for (const o of rejected) byCode[o.code] = (byCode[o.code] ?? 0) + 1;
    const unnamed = rejected.filter((o) => !o.message.includes('spec.'));
    const falseRejections = rejected.filter((o) => o.generated.intent === 'valid');
    report('hostile input: applied through the API', {
      injected: COUNT,
      seed,
      seconds,
      intendedValid: outcomes.filter((o) => o.generated.intent === 'valid').length,
      accepted: COUNT - rejected.length,
      rejectedByCode: byCode,
      largestSpecKiB: Math.round(Math.max(...generated.map((g) => JSON.stringify(g.spec).length)) / 1024),
    });
    assert.deepEqual(unnamed.map((o) => `${o.name} (${JSON.stringify(o.generated.intent)}): ${o.message.slice(0, 300)}`), [], 'every refusal names a spec field');
    assert.ok(rejected.every((o) => o.code === 400 || o.code === 422), `only 400 and 422: ${JSON.stringify(byCode)}`);
    assert.deepEqual(falseRejections.map((o) => `${o.name}: ${o.message.slice(0, 300)}`), [], 'no valid spec refused');
  });

  it('every accepted baseline gets a status for its generation; InvalidSpec exactly when the spec does not parse, naming the field', async () => {
    const accepted = new Set(outcomes.filter((o) => o.code === 200).map((o) => o.name));
    const t0 = Date.now();
    await eventually(`${accepted.size} statuses for the current generation`, async () => {
      stored = await listStored();
      return stored.length === accepted.size && stored.every((b) => b.status?.observedGeneration === b.metadata.generation && condition(b, 'Ready') !== undefined && condition(b, 'Reconciling')?.status !== 'True');
    }, 400_000, 2000);
    const seconds = (Date.now() - t0) / 1000;
    const reasons: Record<string, number> = {};
    const mismatched: string[] = [];
    const unnamed: string[] = [];
    for (const b of stored) {
      const ready = condition(b, 'Ready');
      const reason = ready?.reason ?? 'none';
      reasons[reason] = (reasons[reason] ?? 0) + 1;
      const parses = parseSpec(b.spec).ok;
      if (parses === (reason === 'InvalidSpec')) mismatched.push(`${b.metadata.name}: parses=${parses} Ready=${reason} ${ready?.message ?? ''}`);
      if (reason === 'InvalidSpec' && !(ready?.message ?? '').startsWith('spec.')) unnamed.push(`${b.metadata.name}: ${ready?.message ?? ''}`);
    }
    const invalidAccepted = outcomes.filter((o) => o.code === 200 && o.generated.intent !== 'valid');
    report('hostile input: statuses', {
      accepted: stored.length,
      secondsToSettle: seconds,
      readyReasons: reasons,
      hostileButAccepted: invalidAccepted.length,
      hostileButAcceptedAs: [...new Set(invalidAccepted.flatMap((o) => o.generated.intent))].slice(0, 20),
    });
    assert.deepEqual(mismatched, [], 'InvalidSpec exactly for the specs that do not parse');
    assert.deepEqual(unnamed, [], 'every InvalidSpec message starts with the field');
    assert.equal(reasons.ApplyFailed ?? 0, 0, `no valid baseline the API server refuses to enforce: ${stored.filter((b) => condition(b, 'Ready')?.reason === 'ApplyFailed').map((b) => `${b.metadata.name}: ${condition(b, 'Ready')?.message ?? ''}`).slice(0, 3).join('\n')}`);
  });

  it('no partial state: each namespace holds exactly its winner\'s objects, and nothing of an invalid baseline', async () => {
    const valid: ValidBaseline[] = [];
    const invalid = new Set<string>();
    for (const b of stored) {
      const parsed = parseSpec(b.spec);
      if (parsed.ok) valid.push({ name: b.metadata.name, uid: b.metadata.uid, generation: b.metadata.generation, spec: parsed.spec });
      else invalid.add(b.metadata.name);
    }
    for (const v of valid) assert.equal(v.spec.namespaceSelector.matchLabels?.[FUZZ_LABEL], run, `${v.name} reaches only the test's namespaces`);
    const nsObjects = await api.get<{ items: { metadata: { name: string; labels?: Record<string, string> } }[] }>('/api/v1/namespaces');
    const expected = new Map<string, { winner: string | undefined; objects: string[]; labels: Record<string, string> }>();
    for (const n of nsObjects.items.filter((i) => namespaces.includes(i.metadata.name))) {
      const { winner } = selectBaseline(valid, { name: n.metadata.name, labels: n.metadata.labels ?? {} }, 'posture-system');
      const objects = winner === undefined ? [] : renderNamespace(winner, n.metadata.name).map((o) => `${resourceTypeOf(o.apiVersion, o.kind).plural}/${o.metadata.name}`).sort();
      expected.set(n.metadata.name, { winner: winner?.name, objects, labels: renderNamespaceLabels(winner).labels });
    }
    let problems: string[] = [];
    await eventually('every namespace to hold exactly its winner\'s objects', async () => {
      problems = [];
      const objects = await api.managedObjects();
      const have = byNamespace(objects.filter((o) => namespaces.includes(o.namespace)));
      for (const o of objects) if (o.baseline !== undefined && invalid.has(o.baseline)) problems.push(`${o.namespace}/${o.plural}/${o.name} belongs to invalid ${o.baseline}`);
      for (const o of objects.filter((x) => namespaces.includes(x.namespace))) {
        const want = expected.get(o.namespace);
        if (o.baseline !== want?.winner) problems.push(`${o.namespace}/${o.plural}/${o.name} belongs to ${o.baseline ?? '?'}, the winner is ${want?.winner ?? 'none'}`);
      }
      const current = await api.get<{ items: { metadata: { name: string; labels?: Record<string, string> } }[] }>('/api/v1/namespaces');
      for (const [ns, want] of expected) {
        const got = have.get(ns) ?? [];
        if (got.join() !== want.objects.join()) problems.push(`${ns} (winner ${want.winner ?? 'none'}): has ${got.join() || 'nothing'}, wants ${want.objects.join() || 'nothing'}`);
        const labels = current.items.find((i) => i.metadata.name === ns)?.metadata.labels ?? {};
        const ps = Object.fromEntries(Object.entries(labels).filter(([k]) => k.startsWith('pod-security.kubernetes.io/')));
        if (JSON.stringify(Object.entries(ps).sort()) !== JSON.stringify(Object.entries(want.labels).sort())) problems.push(`${ns} Pod Security labels ${JSON.stringify(ps)}, want ${JSON.stringify(want.labels)}`);
      }
      return problems.length === 0;
    }, 120_000, 1000).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${problems.slice(0, 20).join('\n')}`);
    });
    const winners = [...expected.values()];
    report('hostile input: namespaces', {
      validBaselines: valid.length,
      invalidBaselines: invalid.size,
      namespaces: expected.size,
      namespacesWithAWinner: winners.filter((w) => w.winner !== undefined).length,
      objectsExpectedAndFound: winners.reduce((a, w) => a + w.objects.length, 0),
    });
  });

  it(`kept the same process, /healthz answering within 2 s, and RSS under ${RSS_LIMIT_MIB} MiB`, () => {
    report('hostile input: the operator process', {
      alive: op.alive,
      healthProbes: probe.healthMs.length,
      maxHealthMs: Math.round(probe.maxHealthMs),
      maxEventLoopLagMs: Math.round(probe.maxLoopLagMs),
      healthFailures: probe.healthFailures.length,
      peakRssMiB: Math.round(probe.peakRssMiB),
      limitMiB: RSS_LIMIT_MIB,
    });
    assert.ok(op.alive, 'the operator never exited');
    assert.deepEqual(probe.healthFailures, []);
    assert.ok(probe.maxHealthMs < 2000, `slowest /healthz ${probe.maxHealthMs} ms`);
    assert.ok(probe.peakRssMiB < RSS_LIMIT_MIB, `peak RSS ${probe.peakRssMiB} MiB`);
  });

  it('cleans up: deleting the baselines removes every object they own', async () => {
    const t0 = Date.now();
    await api.send('DELETE', `${BASELINES}?labelSelector=${encodeURIComponent(`${FUZZ_LABEL}=${run}`)}`);
    await eventually('every generated baseline gone, and nothing managed left in the test namespaces', async () => {
      if ((await listStored()).length > 0) return false;
      return (await api.managedObjects()).filter((o) => namespaces.includes(o.namespace)).length === 0;
    }, 180_000, 1000);
    report('hostile input: cleanup', { seconds: (Date.now() - t0) / 1000 });
    assert.ok(op.alive);
  });
});
