/** The usage text of `posture` and of each command (docs/cli.md has them with examples). */

export const HELP = `Usage: posture COMMAND [options]

The operator's own rendering, planning and audit code, offline, for pull requests and CI.

Commands:
  audit     audit manifests with the operator's check catalog (table, json, sarif, junit, policyreport)
  render    print what Enforce would write into a namespace, or why nothing
  diff      what Enforce would create, update or delete in a live cluster (read only)
  validate  check SecurityBaselines with the API server's and the operator's rules

Run posture COMMAND --help for a command's options. posture --version prints the version.

Exit codes: 0 ok; 1 findings at or above --fail-on (audit), differences (diff), an invalid
baseline (validate); 2 bad input. See docs/cli.md.
`;

export const AUDIT_HELP = `Usage: posture audit -f PATH... [--baseline FILE] [-o FORMAT] [--fail-on SEVERITY] [--namespace NAME]

Audits Kubernetes manifests with the operator's own check catalog (docs/checks.md), offline.

  -f, --filename PATH   a file, a directory (recursive: .yaml, .yml, .json) or - for standard input;
                        repeat for more (helm template ... | posture audit -f -)
  --baseline FILE       a SecurityBaseline whose spec.audit applies (exemptions, disabled checks,
                        allowed registries) and whose podSecurity.enforce sets the level checked
  -n, --namespace NAME  where objects without a namespace are audited (default: default)
  -o, --output FORMAT   table (default), json, sarif, junit or policyreport
  --fail-on SEVERITY    exit 1 when a result fails at this severity or above:
                        critical, high, medium or low
  --show-passed         table: list passing results too
  --complete            the input is everything its namespaces hold, read from a cluster
                        (kubectl get ... -o yaml): what is absent is absent, and pods are live
                        pods, so no check is skipped for want of cluster state

Checks that read what only a cluster knows (a namespace's labels, NetworkPolicies, quotas,
LimitRanges, the default ServiceAccount) are skip, with the reason, unless the input holds them
or --complete is given.

Exit codes: 0 no failing result at or above --fail-on (or no --fail-on), 1 there is one, 2 bad input
(unknown flag, unreadable file, invalid YAML, invalid baseline).
`;

export const RENDER_HELP = `Usage: posture render --baseline FILE... --namespace NAME [--labels k=v,...] [-f NAMESPACE_FILE]

Prints, as YAML, exactly what Enforce would write into one namespace: the Namespace labels and the
generated objects, from the operator's own rendering code. When nothing would be written it says
why, in one line: not selected, excluded, always excluded, or lost to a higher-priority baseline
among those given.

  --baseline FILE          SecurityBaseline file(s); repeat to let several compete by priority
  -n, --namespace NAME     the namespace (or the name of the Namespace in -f)
  --labels k=v,...         the namespace's labels
  -f, --filename FILE      a file with the Namespace object (its name and labels)
  --operator-namespace NS  the operator's own namespace, which is never selected

Lines starting with # are comments, so the output can be piped to kubectl apply --dry-run.
Exit codes: 0 rendered (or nothing to render, with the reason), 2 bad input.
`;

export const DIFF_HELP = `Usage: posture diff --baseline FILE [--kubeconfig PATH] [--operator-namespace NS]

Shows what Enforce would create, update or delete in a live cluster if the SecurityBaseline in
FILE were applied (replacing the one of the same name): for every namespace it would select or
holds objects in today, the objects and Namespace labels, with a unified diff for each update.
It only reads (get and list); it never writes.

  --baseline FILE          the SecurityBaseline to compare (one per file)
  --kubeconfig PATH        default: KUBECONFIG, then ~/.kube/config, then the pod's ServiceAccount
  --operator-namespace NS  the operator's namespace, never selected (default: posture-system)

Exit codes: 0 no differences, 1 differences, 2 bad input or the cluster cannot be read.
`;

export const VALIDATE_HELP = `Usage: posture validate FILE...

Checks SecurityBaselines offline with the rules the API server (the CRD's schema and CEL rules)
and the operator apply, from the same zod schema the CRD is generated from, with the same
messages, each naming the field. FILE is a file, a directory (recursive) or - for standard input;
documents of other kinds are ignored.

Exit codes: 0 every SecurityBaseline is valid, 1 at least one is invalid, 2 bad input (no
SecurityBaseline found, unreadable file, invalid YAML).
`;

export const HELPS: Readonly<Record<string, string>> = { audit: AUDIT_HELP, render: RENDER_HELP, diff: DIFF_HELP, validate: VALIDATE_HELP };
