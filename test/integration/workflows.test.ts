import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { repoRoot } from '../../hack/install.js';

/**
 * The release workflow cannot run here (no Docker engine, registry or GitHub OIDC): actionlint, built
 * from its Go module, checks it, and the steps a release depends on are asserted to be there.
 */

const run = promisify(execFile);
const WORKFLOW = join(repoRoot, '.github/workflows/release.yaml');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, { permissions?: Record<string, string>; steps: Step[]; strategy?: { matrix: { include: { platform: string }[] } } }>;
}

describe('release workflow (.github/workflows/release.yaml)', function () {
  this.timeout(600_000); // a cold build of actionlint

  it('passes actionlint', async () => {
    const { stdout } = await run('bash', [join(repoRoot, 'hack/tools/build.sh'), 'actionlint']);
    const actionlint = stdout.trim().split('\n').pop() ?? '';
    const result = await run(actionlint, ['-no-color', WORKFLOW]).then(
      () => ({ code: 0, out: '' }),
      (err: unknown) => ({ code: 1, out: String((err as { stdout?: unknown }).stdout ?? err) }),
    );
    assert.equal(result.code, 0, result.out);
  });

  it('builds both architectures, pushes by digest, signs, attests an SBOM and pins the chart to the digest', async () => {
    const wf = parse(await readFile(WORKFLOW, 'utf8')) as Workflow;
    assert.deepEqual(wf.on.push.tags, ['v*.*.*']);
    assert.deepEqual(wf.permissions, { contents: 'read' }, 'read-only unless a job asks for more');
    const image = wf.jobs.image;
    const publish = wf.jobs.publish;
    assert.ok(image !== undefined && publish !== undefined);
    assert.deepEqual(image.strategy?.matrix.include.map((i) => i.platform), ['linux/amd64', 'linux/arm64']);
    const build = image.steps.find((s) => s.uses?.startsWith('docker/build-push-action') === true);
    assert.match(String(build?.with?.outputs), /push-by-digest=true/);
    assert.equal(publish.permissions?.['id-token'], 'write', 'keyless signing');
    const scripts = publish.steps.map((s) => s.run ?? '').join('\n');
    assert.match(scripts, /docker buildx imagetools create/);
    assert.match(scripts, /cosign sign --yes "\$\{IMAGE\}@\$\{DIGEST\}"/);
    assert.match(scripts, /cosign attest --yes --type spdxjson/);
    assert.ok(publish.steps.some((s) => s.uses?.startsWith('anchore/sbom-action') === true), 'an SBOM');
    assert.ok(publish.steps.some((s) => s.uses?.startsWith('actions/attest-build-provenance') === true), 'provenance');
    assert.match(scripts, /digest: \\"\$\{DIGEST\}\\"/, 'the chart defaults to the published digest');
    assert.match(scripts, /kustomize edit set image/, 'and so does the install manifest');
    // The chart's values have the line the release rewrites.
    assert.match(await readFile(join(repoRoot, 'charts/posture-operator/values.yaml'), 'utf8'), /^ {2}digest: ""$/m);
  });
});
