# posture-operator image. Follows the seed security checklist: a deterministic base (exact Node
# version, the same one package.json pins as the `node` devDependency), production dependencies only,
# NODE_ENV=production, dumb-init as PID 1, the image's unprivileged `node` user, --chown=node:node on
# copies, and a .dockerignore that keeps .env, .npmrc, .git and local state out of the build context.
# There is no Docker engine on the development machines: test/integration/image.test.ts checks this
# file and reproduces the runtime stage step by step (see docs/decisions/0003-container-image.md).

# ---- build: compile src/ to dist/ with the full (dev) dependency set --------------------------------
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies, compiled JavaScript, non-root --------------------------------
FROM node:24.21.0-bookworm-slim AS runtime

LABEL org.opencontainers.image.title="posture-operator" \
      org.opencontainers.image.description="Kubernetes operator that keeps every selected namespace at one SecurityBaseline" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:24.21.0-bookworm-slim"

ENV NODE_ENV=production

# dumb-init runs as PID 1: it forwards SIGTERM from the kubelet to the operator (which then stops its
# watches and exits 0) and reaps zombies. From Debian, so no binary is downloaded from elsewhere.
RUN apt-get update \
    && apt-get install -y --no-install-recommends dumb-init \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --chown=node:node package.json package-lock.json ./
# --omit=dev: no compiler, test runner, linter or the `node` devDependency (whose preinstall would
# fetch a second Node binary). --ignore-scripts: no production dependency needs an install script.
RUN npm ci --omit=dev --ignore-scripts \
    && npm cache clean --force
COPY --chown=node:node --from=build /app/dist ./dist

USER node
# 8080: /metrics (--metrics-bind-address), 8081: /healthz and /readyz (--health-probe-bind-address).
EXPOSE 8080 8081
ENTRYPOINT ["/usr/bin/dumb-init", "--"]
CMD ["node", "dist/entry.js"]
