import type { KubeClient } from '../kube/client.js';
import type { ReviewedUser, Reviewer } from './scrapeauth.js';

interface TokenReviewStatus {
  status?: { authenticated?: boolean; user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
}

/** TokenReview and SubjectAccessReview on the API server, as the operator's ServiceAccount. */
export function kubeReviewer(client: KubeClient): Reviewer {
  return {
    async authenticate(token) {
      const review = await client.request<TokenReviewStatus>({
        verb: 'create',
        resource: 'tokenreviews',
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/tokenreviews',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      });
      const user = review.status?.user;
      if (review.status?.authenticated !== true || user?.username === undefined) return undefined;
      const reviewed: ReviewedUser = { username: user.username };
      if (user.uid !== undefined) reviewed.uid = user.uid;
      if (user.groups !== undefined) reviewed.groups = user.groups;
      if (user.extra !== undefined) reviewed.extra = user.extra;
      return reviewed;
    },
    async authorize(user) {
      const review = await client.request<{ status?: { allowed?: boolean } }>({
        verb: 'create',
        resource: 'subjectaccessreviews',
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra, nonResourceAttributes: { path: '/metrics', verb: 'get' } },
        },
      });
      return review.status?.allowed === true;
    },
  };
}
