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

  it('ships the Node flags and the resources of config/manager, which the reliability tests run with and measure against', () => {
    interface Container {
      name: string;
      env?: { name: string; value?: string }[];
      resources?: unknown;
    }
    const deployment = parse(read('config/manager/deployment.yaml')) as { spec: { template: { spec: { containers: Container[] } } } };
    const container = deployment.spec.template.spec.containers.find((c) => c.name === 'operator');
    const values = parse(read('charts/posture-operator/values.yaml')) as { nodeOptions?: string; resources?: unknown };
    assert.ok(container);
    assert.equal(values.nodeOptions, container.env?.find((e) => e.name === 'NODE_OPTIONS')?.value);
    assert.deepEqual(values.resources, container.resources);
  });

  it('the CRD reads the same to YAML 1.1 parsers (Go\'s, in helm and kubectl) as to YAML 1.2: no bare Off/On/Yes/No', () => {
    for (const path of ['crds/posture.dev_securitybaselines.yaml', 'charts/posture-operator/crds/posture.dev_securitybaselines.yaml']) {
      const text = read(path);
      assert.deepEqual(parse(text, { version: '1.1' }), parse(text, { version: '1.2' }), path);
    }
  });
});
