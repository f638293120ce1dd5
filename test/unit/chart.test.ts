import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { admissionFiles } from '../../hack/generate-admission.js';

/** The chart's copies of generated files (Helm reads only below its own directory) are current. */
const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

describe('Helm chart: files shared with config/', () => {
  it('files/admission holds the generated admission policies (run npm run generate)', () => {
    for (const [name, text] of admissionFiles()) assert.equal(read(`charts/posture-operator/files/admission/${name}`), text, name);
  });

  it('files/rules.yaml is config/prometheus/rules.yaml', () => {
    assert.equal(read('charts/posture-operator/files/rules.yaml'), read('config/prometheus/rules.yaml'));
  });
});
