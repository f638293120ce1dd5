import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/**
 * Argo CD integration in config/argocd: the SecurityBaseline health check (Lua 5.1, run by the
 * Debian `lua5.1` interpreter on recorded objects, as Argo CD's own health_test.yaml cases are),
 * the argocd-cm snippet that carries the same script, the Application and the sync-wave overlay.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const HEALTH_DIR = 'config/argocd/health/posture.dev/SecurityBaseline';
const HEALTH_KEY = 'resource.customizations.health.posture.dev_SecurityBaseline';
const TOOL_TIMEOUT_MS = 20_000;

interface HealthCase {
  healthStatus: { status: string; message: string };
  inputPath: string;
}
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

function read(path: string): string {
  return readFileSync(`${root}${path}`, 'utf8');
}

function run(command: string, args: string[], input: string | undefined, debianPackage: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd: root, input, encoding: 'utf8', timeout: TOOL_TIMEOUT_MS });
  if (result.error !== undefined) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? `${command} not found: install the Debian package \`${debianPackage}\` (apt-get install -y --no-install-recommends ${debianPackage}); hack/ensure-tools.sh does it`
        : `${command} ${args.join(' ')}: ${result.error.message}`,
    );
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A Lua 5.1 string literal for any string: printable ASCII as is, everything else (quotes,
 * backslashes, control characters, every byte of a multi-byte UTF-8 character) as a \ddd escape.
 */
function luaString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const printable = byte >= 0x20 && byte <= 0x7e && byte !== 0x22 && byte !== 0x5c;
    out += printable ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/**
 * A Lua table constructor for a parsed YAML/JSON value, the way Argo CD hands objects to Lua:
 * objects become tables keyed by string, arrays become 1-based sequences, null keys are absent.
 */
function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not representable in Lua: ${String(value)}`);
    return String(value);
  }
  if (typeof value === 'string') return luaString(value);
  if (Array.isArray(value)) return `{${value.map((v) => toLua(v)).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `[${luaString(k)}] = ${toLua(v)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`not representable in Lua: ${typeof value}`);
}

/** Runs health.lua under lua5.1 through config/argocd/health/harness.lua with `obj` set to the object. */
function health(object: unknown): { status: string; message: string } {
  const { status, stdout, stderr } = run(
    'lua5.1',
    [`${root}config/argocd/health/harness.lua`, `${root}${HEALTH_DIR}/health.lua`],
    `return ${toLua(object)}\n`,
    'lua5.1',
  );
  assert.equal(status, 0, `lua5.1 failed: ${stderr}`);
  const newline = stdout.indexOf('\n');
  assert.ok(newline > 0, `unexpected harness output: ${stdout}`);
  return { status: stdout.slice(0, newline), message: stdout.slice(newline + 1).replace(/\n$/, '') };
}

function kustomize(path: string): KubeObject[] {
  const { status, stdout, stderr } = run('kubectl', ['kustomize', path], undefined, 'kubectl');
  assert.equal(status, 0, `kubectl kustomize ${path}: ${stderr}`);
  return parseAllDocuments(stdout).map((d) => d.toJS() as KubeObject);
}

const cases = (parse(read(`${HEALTH_DIR}/health_test.yaml`)) as { tests: HealthCase[] }).tests;

describe('Argo CD health check for SecurityBaseline (config/argocd)', () => {
  for (const c of cases) {
    it(`${c.inputPath} is ${c.healthStatus.status}`, () => {
      const object: unknown = parse(read(`${HEALTH_DIR}/${c.inputPath}`));
      assert.deepEqual(health(object), c.healthStatus);
    }).timeout(TOOL_TIMEOUT_MS);
  }

  it('has a recorded object for every status, and a case for every recorded object', () => {
    assert.deepEqual([...new Set(cases.map((c) => c.healthStatus.status))].sort(), ['Degraded', 'Healthy', 'Progressing']);
    const recorded = readdirSync(`${root}${HEALTH_DIR}/testdata`).map((f) => `testdata/${f}`).sort();
    assert.deepEqual([...new Set(cases.map((c) => c.inputPath))].sort(), recorded);
  });

  it('is never Healthy for an older generation, even when that one was Ready', () => {
    const object = parse(read(`${HEALTH_DIR}/testdata/healthy_enforced.yaml`)) as { metadata: { generation: number } };
    object.metadata.generation += 1;
    assert.equal(health(object).status, 'Progressing');
  }).timeout(TOOL_TIMEOUT_MS);

  it('passes messages through byte for byte (quotes, backslashes, newlines, UTF-8)', () => {
    const message = 'namespace "ünïcode-✓" \\ path\nsecond line\ttab';
    const object = {
      apiVersion: 'posture.dev/v1alpha1',
      kind: 'SecurityBaseline',
      metadata: { name: 'x', generation: 1 },
      status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Enforced', message }] },
    };
    assert.deepEqual(health(object), { status: 'Healthy', message });
  }).timeout(TOOL_TIMEOUT_MS);

  it('is in argocd-cm-patch.yaml verbatim', () => {
    const docs = parseAllDocuments(read('config/argocd/argocd-cm-patch.yaml')).map((d) => d.toJS() as KubeObject);
    assert.equal(docs.length, 1);
    const cm = docs[0];
    assert.ok(cm);
    assert.deepEqual([cm.kind, cm.metadata.name, cm.metadata.namespace], ['ConfigMap', 'argocd-cm', 'argocd']);
    assert.equal(cm.data?.[HEALTH_KEY], read(`${HEALTH_DIR}/health.lua`));
  });
});

describe('Argo CD install (config/argocd)', () => {
  it('renders config/default with the CRD and the admission policies in sync wave -1 and no other Argo CD annotation', () => {
    const overlay = kustomize('config/argocd');
    const plain = kustomize('config/default');
    assert.equal(overlay.length, plain.length);
    for (const [i, object] of overlay.entries()) {
      const annotations = object.metadata.annotations ?? {};
      const argo = Object.keys(annotations).filter((k) => k.startsWith('argocd.argoproj.io/'));
      if (object.kind === 'CustomResourceDefinition') {
        assert.equal(annotations['argocd.argoproj.io/sync-wave'], '-1');
        assert.deepEqual(argo.sort(), ['argocd.argoproj.io/sync-options', 'argocd.argoproj.io/sync-wave']);
        assert.match(annotations['argocd.argoproj.io/sync-options'] ?? '', /Prune=false/);
      } else if (object.kind === 'ValidatingAdmissionPolicy' || object.kind === 'ValidatingAdmissionPolicyBinding') {
        assert.deepEqual(annotations, { 'argocd.argoproj.io/sync-wave': '-1' }, `${object.kind}/${object.metadata.name}`);
        assert.deepEqual({ ...object, metadata: { ...object.metadata, annotations: undefined } }, { ...plain[i], metadata: { ...plain[i]?.metadata, annotations: undefined } });
      } else {
        assert.deepEqual(argo, [], `${object.kind}/${object.metadata.name}`);
        assert.deepEqual(object, plain[i], `${object.kind}/${object.metadata.name} differs from config/default`);
      }
    }
  }).timeout(TOOL_TIMEOUT_MS);

  it('has an Application that syncs that overlay automatically, with prune, self-heal and server-side apply', () => {
    const [app] = parseAllDocuments(read('config/argocd/application.yaml')).map((d) => d.toJS() as KubeObject);
    assert.ok(app);
    assert.equal(app.kind, 'Application');
    const spec = app.spec as {
      source: { path: string; targetRevision: string };
      destination: { namespace: string };
      syncPolicy: { automated: { prune: boolean; selfHeal: boolean }; syncOptions: string[] };
    };
    assert.equal(spec.source.path, 'config/argocd');
    assert.match(spec.source.targetRevision, /^v\d+\.\d+\.\d+$/);
    assert.equal(spec.destination.namespace, 'posture-system');
    assert.deepEqual(spec.syncPolicy.automated, { prune: true, selfHeal: true });
    assert.ok(spec.syncPolicy.syncOptions.includes('ServerSideApply=true'));
  });
});
