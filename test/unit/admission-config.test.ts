import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { admissionFiles } from '../../hack/generate-admission.js';
import { securityBaselineCrd } from '../../src/api/crd.js';
import { CHECKED_CLUSTER_ROLES, CHECKED_PERMISSIONS, clusterRolesPolicy, rolesPolicy, subjectsPolicy } from '../../src/render/admission/author.js';
import { OPERATOR_USER, operatorFencePolicy } from '../../src/render/admission/fence.js';
import { celString, celStrings } from '../../src/render/admission/policy.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The CEL authorizer's fixed cost per check, and the budgets, from k8s.io/apiserver (cel/library/cost.go, apis/cel/config.go). */
const CHECK_COST = 350_000;
const PER_EXPRESSION = 1_000_000;
const PER_BINDING = 10_000_000;

function countOf(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('admission policies shipped in config/admission', () => {
  it('are what npm run generate renders (not stale)', () => {
    for (const [name, text] of admissionFiles()) assert.equal(readFileSync(`${root}config/admission/${name}`, 'utf8'), text, `config/admission/${name} is stale: run npm run generate`);
  });

  it('check one ClusterRole per bindClusterRoles item the CRD admits', () => {
    const schema = JSON.stringify(securityBaselineCrd());
    const m = /"bindClusterRoles":\{[^]*?"maxItems":(\d+)/.exec(schema);
    assert.ok(m);
    assert.equal(Number(m[1]), CHECKED_CLUSTER_ROLES);
    assert.equal(clusterRolesPolicy().spec.validations.length, CHECKED_CLUSTER_ROLES);
  });

  it('keep every expression within two authorization checks and every policy within its budget', () => {
    for (const policy of [subjectsPolicy(), clusterRolesPolicy(), rolesPolicy(), operatorFencePolicy()]) {
      const expressions = [...(policy.spec.variables ?? []), ...policy.spec.validations];
      let worst = 0;
      for (const e of expressions) {
        const checks = countOf(e.expression, '.check(');
        assert.ok(checks * CHECK_COST < PER_EXPRESSION, `${policy.metadata.name}: ${e.expression.slice(0, 60)}... has ${checks} checks`);
        worst += checks * CHECK_COST;
      }
      assert.ok(worst < PER_BINDING * 0.95, `${policy.metadata.name}: ${worst} of ${PER_BINDING}`);
    }
    assert.equal(rolesPolicy().spec.validations.length, CHECKED_PERMISSIONS + 1);
  });

  it('no messageExpression uses the authorizer (the API server evaluates messages without one)', () => {
    for (const policy of [subjectsPolicy(), clusterRolesPolicy(), rolesPolicy(), operatorFencePolicy()]) {
      for (const v of policy.spec.validations) assert.doesNotMatch(v.messageExpression, /authorizer|mayEscalate/);
    }
  });

  it('judge baselines only when their spec is written, and fence only the operator', () => {
    for (const policy of [subjectsPolicy(), clusterRolesPolicy(), rolesPolicy()]) {
      assert.deepEqual(policy.spec.matchConditions?.map((c) => c.expression), ["request.operation == 'CREATE' || object.spec != oldObject.spec"]);
    }
    assert.deepEqual(operatorFencePolicy().spec.matchConditions?.map((c) => c.expression), [`request.userInfo.username == '${OPERATOR_USER}'`]);
  });

  it('quote CEL strings safely', () => {
    assert.equal(celString("it's \\ here"), "'it\\'s \\\\ here'");
    assert.equal(celStrings(['a', 'b']), "['a', 'b']");
  });
});
