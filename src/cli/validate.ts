import { VALIDATE_HELP } from './help.js';
import { API_VERSION, KIND } from '../api/names.js';
import { describeIssues } from '../api/parse.js';
import { securityBaselineSpecSchema } from '../api/securitybaseline.js';
import { flag, parse } from './args.js';
import { readManifests, type Manifest } from './inputs.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type Io } from './io.js';

/** What the API server checks of the object itself, before the schema: a cluster-scoped object's name. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/** Every problem with one SecurityBaseline document, one line each; empty when valid. */
export function baselineProblems(m: Manifest): string[] {
  const problems: string[] = [];
  if (m.object.apiVersion !== API_VERSION) problems.push(`apiVersion: must be ${API_VERSION}, not ${m.object.apiVersion}`);
  const name = m.object.metadata?.name;
  if (typeof name !== 'string' || name === '') problems.push('metadata.name: Required value');
  else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) problems.push(`metadata.name: Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`);
  const unknown = Object.keys(m.object).filter((k) => !TOP_LEVEL.has(k));
  if (unknown.length > 0) problems.push(`${unknown.join(', ')}: unknown field${unknown.length === 1 ? '' : 's'}`);
  const spec = securityBaselineSpecSchema.safeParse(m.object.spec ?? {});
  if (!spec.success) problems.push(...spec.error.issues.map((issue) => describeIssues([issue])));
  return problems;
}

export async function validate(args: readonly string[], io: Io): Promise<number> {
  const p = parse(args, {}, 'validate');
  if (flag(p, 'help')) {
    io.stdout(VALIDATE_HELP);
    return EXIT_OK;
  }
  if (p.positionals.length === 0) throw new UsageError('give the files to validate (see posture validate --help)');
  const docs = (await readManifests(p.positionals, io)).manifests.filter((m) => m.object.kind === KIND);
  if (docs.length === 0) throw new UsageError(`${p.positionals.join(', ')}: no ${KIND} found`);
  let invalid = 0;
  for (const m of docs) {
    const name = typeof m.object.metadata?.name === 'string' ? m.object.metadata.name : '(no name)';
    const problems = baselineProblems(m);
    if (problems.length === 0) {
      io.stdout(`${m.file}:${m.line}: ${KIND} ${name}: valid\n`);
      continue;
    }
    invalid += 1;
    io.stdout(`${m.file}:${m.line}: ${KIND} ${name}: invalid\n${problems.map((x) => `  ${x}\n`).join('')}`);
  }
  io.stdout(`${docs.length} ${KIND}${docs.length === 1 ? '' : 's'}: ${docs.length - invalid} valid, ${invalid} invalid.\n`);
  return invalid > 0 ? EXIT_FINDINGS : EXIT_OK;
}
