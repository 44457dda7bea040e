# PostgreSQL 15 from Debian bookworm, as on the host: the containers provider runs its binaries
# (/usr/lib/postgresql/15/bin, where the official postgres:15 image has them too) against data
# directories in the run dir. Built with --network host (apt reaches the mirror as the host does).
ARG DEBIAN_BASE=local/debian:bookworm
FROM ${DEBIAN_BASE}
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && /usr/lib/postgresql/15/bin/postgres --version
