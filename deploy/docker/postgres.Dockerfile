# deploy/docker/postgres.Dockerfile — PostgreSQL 15 for docker-compose.yml.
#
# Debian's postgresql-15 (pg_trgm included) on the same base image as kefu,
# run as user postgres. deploy/docker/postgres-entrypoint.sh creates the
# cluster (C.UTF-8) on first start, runs deploy/postgres/bootstrap.sql on
# every start (idempotent), sets the kefu_* roles' password from
# KEFU_DB_PASSWORD and serves on port 5432 with scram-sha-256 authentication.
#
# Build from the repository root:
#   docker build -f deploy/docker/postgres.Dockerfile -t kefu-postgres .

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data
COPY deploy/postgres/bootstrap.sql /usr/local/share/kefu/bootstrap.sql
COPY deploy/docker/postgres-entrypoint.sh /usr/local/bin/kefu-postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
USER postgres
VOLUME /var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["kefu-postgres-entrypoint"]
