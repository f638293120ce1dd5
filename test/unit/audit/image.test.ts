import assert from 'node:assert/strict';
import type { ImageRef } from '../../../src/audit/image.js';
import { isTrustedRegistry, parseImage } from '../../../src/audit/image.js';
import type { AuditConfig, Result } from '../../../src/audit/types.js';
import { DIGEST, runOnPod, withContainer } from './fixtures.js';

describe('parseImage', () => {
  const cases: [string, ImageRef][] = [
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['nginx:1.27', { registry: 'docker.io', repository: 'library/nginx', tag: '1.27' }],
    ['bitnami/redis:7', { registry: 'docker.io', repository: 'bitnami/redis', tag: '7' }],
    ['index.docker.io/library/nginx:latest', { registry: 'docker.io', repository: 'library/nginx', tag: 'latest' }],
    ['registry.example.com:5000/team/app', { registry: 'registry.example.com:5000', repository: 'team/app' }],
    ['registry:5000/app:v1', { registry: 'registry:5000', repository: 'app', tag: 'v1' }],
    ['localhost/app:dev', { registry: 'localhost', repository: 'app', tag: 'dev' }],
    ['GHCR.io/acme/api:2.0', { registry: 'ghcr.io', repository: 'acme/api', tag: '2.0' }],
    [`ghcr.io/acme/api@${DIGEST}`, { registry: 'ghcr.io', repository: 'acme/api', digest: DIGEST }],
    [`ghcr.io/acme/api:2.0@${DIGEST}`, { registry: 'ghcr.io', repository: 'acme/api', tag: '2.0', digest: DIGEST }],
  ];
  for (const [image, want] of cases) {
    it(image, () => { assert.deepEqual(parseImage(image), want); });
  }

  it('matches allowed registries by host or by host and path prefix', () => {
    assert.ok(isTrustedRegistry(parseImage('ghcr.io/acme/api:1'), ['ghcr.io/acme']));
    assert.ok(!isTrustedRegistry(parseImage('ghcr.io/acmecorp/api:1'), ['ghcr.io/acme']));
    assert.ok(isTrustedRegistry(parseImage('nginx:1'), ['docker.io']));
    assert.ok(isTrustedRegistry(parseImage('nginx:1'), ['https://index.docker.io/library']));
    assert.ok(!isTrustedRegistry(parseImage('nginx:1'), ['registry.example.com']));
    assert.ok(isTrustedRegistry(parseImage('Registry.Example.com/app:1'), ['registry.example.com/']));
  });
});

describe('image checks IMG-001..IMG-004', () => {
  const cases: { check: string; image: string; pullPolicy?: string; config?: Partial<AuditConfig>; result: Result; message?: string }[] = [
    { check: 'IMG-001', image: 'registry.example.com/app:1.2.3', result: 'pass' },
    { check: 'IMG-001', image: `registry.example.com/app@${DIGEST}`, result: 'pass' },
    { check: 'IMG-001', image: 'registry.example.com:5000/app', result: 'fail', message: 'container app: pin image registry.example.com:5000/app to a version tag or a digest (it is untagged)' },
    { check: 'IMG-001', image: 'nginx:latest', result: 'fail', message: 'container app: pin image nginx:latest to a version tag or a digest (it is latest)' },
    { check: 'IMG-002', image: `registry.example.com/app:1@${DIGEST}`, result: 'pass' },
    { check: 'IMG-002', image: 'registry.example.com/app:1', result: 'fail', message: 'container app: pin image registry.example.com/app:1 by digest (@sha256:...)' },
    { check: 'IMG-003', image: 'registry.example.com/app:1', result: 'pass' },
    { check: 'IMG-003', image: 'nginx:1.27', result: 'fail', message: 'container app: use an image from an allowed registry (registry.example.com) instead of nginx:1.27 (registry docker.io)' },
    { check: 'IMG-003', image: 'nginx:1.27', config: { allowedRegistries: [] }, result: 'skip' },
    { check: 'IMG-004', image: 'registry.example.com/app:1', pullPolicy: 'Always', result: 'pass' },
    { check: 'IMG-004', image: `registry.example.com/app@${DIGEST}`, pullPolicy: 'IfNotPresent', result: 'pass' },
    { check: 'IMG-004', image: 'registry.example.com/app:latest', result: 'pass' },
    { check: 'IMG-004', image: 'registry.example.com/app:1', pullPolicy: 'IfNotPresent', result: 'fail', message: 'container app: set imagePullPolicy: Always (it is IfNotPresent) or pin the image by digest' },
    { check: 'IMG-004', image: 'registry.example.com/app:1', result: 'fail' },
  ];
  for (const c of cases) {
    it(`${c.check} ${c.image} ${c.pullPolicy ?? '(default policy)'}: ${c.result}`, () => {
      const spec = withContainer({ image: c.image, imagePullPolicy: c.pullPolicy });
      const f = runOnPod(c.check, spec, c.config);
      assert.equal(f.result, c.result, f.message);
      if (c.message !== undefined) assert.equal(f.message, c.message);
    });
  }

  it('checks init and ephemeral containers too', () => {
    const spec = { ...withContainer({}), initContainers: [{ name: 'init', image: 'busybox' }] };
    const f = runOnPod('IMG-001', spec);
    assert.equal(f.result, 'fail');
    assert.ok(f.message.startsWith('initContainer init: '));
  });
});
