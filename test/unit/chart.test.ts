import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
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

  it('files/grafana holds the dashboard of config/grafana', () => {
    assert.equal(read('charts/posture-operator/files/grafana/posture-operator.json'), read('config/grafana/posture-operator.json'));
  });

  it('the CRD reads the same to YAML 1.1 parsers (Go\'s, in helm and kubectl) as to YAML 1.2: no bare Off/On/Yes/No', () => {
    for (const path of ['crds/posture.dev_securitybaselines.yaml', 'charts/posture-operator/crds/posture.dev_securitybaselines.yaml']) {
      const text = read(path);
      assert.deepEqual(parse(text, { version: '1.1' }), parse(text, { version: '1.2' }), path);
    }
  });
});
