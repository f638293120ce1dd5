import type { ControlPlane } from '../../../hack/controlplane/launcher.js';
import { adminClient, applyAll, readManifests } from '../../../hack/install.js';
import { fetchAsAdmin } from './kube.js';
import { eventually } from './wait.js';

/**
 * Installs the PolicyReport CRD and waits until the API server serves it: an operator started
 * before that writes no reports until its discovery notices the API (every 15 s).
 */
export async function servePolicyReports(cp: ControlPlane): Promise<void> {
  const client = await adminClient(cp.kubeconfigPath);
  try {
    await applyAll(client, await readManifests('hack/crds/wgpolicyk8s.io_policyreports.yaml'));
  } finally {
    await client.close();
  }
  await eventually('the PolicyReport API', async () => {
    await fetchAsAdmin(cp, 'GET', '/apis/wgpolicyk8s.io/v1alpha2/policyreports');
    return true;
  });
}
