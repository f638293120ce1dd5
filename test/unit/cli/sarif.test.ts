import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { BASELINE, COMPLIANT, docs, files, NAMESPACE, posture, PRIVILEGED } from './run.js';

interface Sarif {
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string; properties: { 'security-severity': string } }[] } };
    results: { ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } } }[] }[];
  }[];
}

/** The OASIS SARIF 2.1.0 schema, vendored (test/fixtures/sarif/README.md names its source). */
async function validator(): Promise<(data: unknown) => boolean> {
  const schema = JSON.parse(await readFile(new URL('../../fixtures/sarif/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  // unicodeRegExp off: the schema's `language` pattern has a stray ] that only the u flag rejects.
  const ajv = new Ajv.default({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  return (data) => {
    const ok = validate(data);
    if (!ok) assert.fail(JSON.stringify(validate.errors, null, 2));
    return ok;
  };
}

describe('posture audit -o sarif', function () {
  // Compiling the 136 kB schema is slow on a loaded machine; it is done once.
  this.timeout(60_000);
  let check: (data: unknown) => boolean;
  before(async () => {
    check = await validator();
  });

  it('is valid SARIF 2.1.0 and points each failing result at its file and line', async () => {
    const dir = await files({ 'k8s/app.yaml': docs(NAMESPACE, PRIVILEGED, COMPLIANT), 'baseline.yaml': BASELINE });
    const r = await posture(['audit', '-f', 'k8s', '--baseline', 'baseline.yaml', '-o', 'sarif'], { cwd: dir });
    assert.equal(r.code, 0);
    const log = JSON.parse(r.stdout) as Sarif;
    assert.ok(check(log));
    assert.equal(log.version, '2.1.0');
    const [run] = log.runs;
    assert.ok(run);
    assert.equal(run.tool.driver.name, 'posture');
    const wl002 = run.results.find((x) => x.ruleId === 'WL-002');
    assert.ok(wl002);
    assert.equal(wl002.level, 'error');
    assert.equal(wl002.message.text, 'Deployment team-a/web: container web: set securityContext.privileged: false');
    assert.deepEqual(wl002.locations[0]?.physicalLocation, { artifactLocation: { uri: 'k8s/app.yaml', uriBaseId: '%SRCROOT%' }, region: { startLine: 8 } });
    assert.equal(run.tool.driver.rules[wl002.ruleIndex]?.id, 'WL-002');
    assert.equal(run.tool.driver.rules[wl002.ruleIndex]?.properties['security-severity'], '9.5');
    const ns001 = run.results.find((x) => x.ruleId === 'NS-001');
    assert.equal(ns001?.locations[0]?.physicalLocation.region.startLine, 1, 'a namespace finding points at the Namespace object');
    assert.ok(run.results.every((x) => x.locations.length === 1), 'every result has a location');
    assert.ok(!run.results.some((x) => x.ruleId === 'WL-012'), 'exempted (skip) results are not alerts');
  });

  it('stays valid with no findings, with standard input, and with awkward file names', async () => {
    assert.throws(() => check({ version: '2.1.0', runs: [{ results: [{ ruleId: 'X', message: {} }] }] }), /tool/, 'the schema test can fail');
    const clean = await posture(['audit', '-f', '-', '-o', 'sarif'], { stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\ndata: {a: b}\n' });
    const empty = JSON.parse(clean.stdout) as Sarif;
    assert.ok(check(empty));
    assert.deepEqual(empty.runs[0]?.results, []);
    const piped = JSON.parse((await posture(['audit', '-f', '-', '-o', 'sarif'], { stdin: PRIVILEGED })).stdout) as Sarif;
    assert.ok(check(piped));
    assert.deepEqual(piped.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation, { uri: 'stdin' });
    const odd = await files({ 'my app/dé ploy#1.yaml': PRIVILEGED });
    const named = JSON.parse((await posture(['audit', '-f', '.', '-o', 'sarif'], { cwd: odd })).stdout) as Sarif;
    assert.ok(check(named));
    assert.equal(named.runs[0]?.results[0]?.locations[0]?.physicalLocation.artifactLocation.uri, 'my%20app/d%C3%A9%20ploy%231.yaml');
  });
});
