# The DynamoDB endpoint of the testbed (dynalite, the version the lockfile pins) on the Node base.
ARG NODE_BASE=local/node:20-bookworm
FROM ${NODE_BASE}
ARG DYNALITE_VERSION
RUN test -n "$DYNALITE_VERSION" && npm install -g --no-audit --no-fund "dynalite@${DYNALITE_VERSION}" && npm cache clean --force && command -v dynalite
