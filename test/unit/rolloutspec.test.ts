import assert from 'node:assert/strict';
import { parseSpec } from '../../src/api/parse.js';
import { securityBaselineCrd } from '../../src/api/crd.js';

const parse = (rollout: unknown): ReturnType<typeof parseSpec> => parseSpec({ namespaceSelector: {}, rollout });

describe('spec.rollout', () => {
  it('defaults to one wave, no pause, not paused, no failure allowed', () => {
    const r = parse({});
    assert.ok(r.ok);
    assert.deepEqual(r.spec.rollout, { waves: 1, pauseSeconds: 0, paused: false, maxFailedNamespaces: 0 });
  });

  it('is absent unless given: a baseline without it rolls out all at once', () => {
    const r = parseSpec({ namespaceSelector: {} });
    assert.ok(r.ok);
    assert.equal(r.spec.rollout, undefined);
  });

  it('accepts the documented example', () => {
    const r = parse({ canary: { matchLabels: { 'posture.dev/ring': 'canary' } }, waves: 4, pauseSeconds: 300, paused: false, maxFailedNamespaces: 0 });
    assert.ok(r.ok, r.ok ? '' : r.error);
  });

  const bad: [string, unknown, RegExp][] = [
    ['zero waves', { waves: 0 }, /^spec\.rollout\.waves: /],
    ['too many waves', { waves: 101 }, /^spec\.rollout\.waves: /],
    ['fractional waves', { waves: 1.5 }, /^spec\.rollout\.waves: /],
    ['negative pause', { pauseSeconds: -1 }, /^spec\.rollout\.pauseSeconds: /],
    ['a pause over a day', { pauseSeconds: 86_401 }, /^spec\.rollout\.pauseSeconds: /],
    ['negative failures allowed', { maxFailedNamespaces: -1 }, /^spec\.rollout\.maxFailedNamespaces: /],
    ['paused as a string', { paused: 'yes' }, /^spec\.rollout\.paused: /],
    ['an empty canary selector', { canary: {} }, /^spec\.rollout\.canary: canary must name labels/],
    ['a canary with empty matchLabels', { canary: { matchLabels: {} } }, /^spec\.rollout\.canary: canary must name labels/],
    ['a bad canary label', { canary: { matchLabels: { ring: 'can ary' } } }, /^spec\.rollout\.canary\.matchLabels\.ring: must be a label value/],
    ['an unknown field', { speed: 'fast' }, /^spec\.rollout: .*speed/],
  ];
  for (const [name, rollout, field] of bad) {
    it(`refuses ${name}, naming the field`, () => {
      const r = parse(rollout);
      assert.ok(!r.ok, 'accepted');
      assert.match(r.error, field);
    });
  }

  it('has the same bounds and the canary rule in the CRD, so the API server refuses them at admission', () => {
    const crd = JSON.stringify(securityBaselineCrd());
    type Props = Record<string, { properties: Record<string, Record<string, unknown>>; 'x-kubernetes-validations'?: { rule: string }[] }>;
    const versions = (securityBaselineCrd() as { spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: Props } } } } }[] } }).spec.versions;
    const spec = versions[0]?.schema.openAPIV3Schema.properties.spec.properties.rollout;
    assert.ok(spec !== undefined);
    const { waves, pauseSeconds } = spec.properties;
    assert.deepEqual([waves?.minimum, waves?.maximum, pauseSeconds?.maximum], [1, 100, 86_400]);
    assert.ok(spec['x-kubernetes-validations']?.some((v) => v.rule.includes('self.canary')));
    assert.match(crd, /"jsonPath":".status.rollout.phase"/);
  });
});
