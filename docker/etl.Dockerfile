# The ETL daemon built from this repository. Build context: the repository root
# (docker compose does this; by hand: docker build -f docker/etl.Dockerfile .).
#
# Node 24 is the Active LTS line (Node 20 reached end of life in April 2026); the tag is pinned to
# a patch release so a rebuild gives the same runtime. The daemon runs its TypeScript sources
# through tsx, which is therefore a production dependency of the etl workspace: no compile step,
# and the code in the image is the code the tests run.
# etl/test/deploy/dockerBuild.test.ts replays the COPY, RUN, WORKDIR, ENV, HEALTHCHECK and CMD
# lines below in a temporary directory and starts the daemon from the result: keep them plain,
# with container paths under /app.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# Workspace manifests only, so this layer is rebuilt when dependencies change, not on every edit.
COPY package.json package-lock.json .npmrc /app/
COPY etl/package.json /app/etl/
COPY dashboards/package.json /app/dashboards/
COPY grafana-plugins/funnel-panel/package.json /app/grafana-plugins/funnel-panel/
COPY grafana-plugins/order-feed-panel/package.json /app/grafana-plugins/order-feed-panel/
# The etl workspace's production dependencies only (no jest, TypeScript, eslint or plugin builds).
RUN npm ci --omit=dev --workspace etl

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# The embedded database's directory when DATABASE_URL is unset (compose sets DATABASE_URL): in
# the node user's home, which that user may write, so no root step is needed to create it.
ENV DATA_DIR=/home/node/data
# Listen on every interface of the container: Grafana's SMS webhook reaches the relay as etl:8080.
ENV HTTP_HOST=0.0.0.0
ENV HTTP_PORT=8080
COPY --from=deps /app /app
COPY etl /app/etl
COPY sql /app/sql
COPY kpi /app/kpi
WORKDIR /app/etl
USER node
EXPOSE 8080
# /healthz answers as soon as the HTTP server is up (before a first backfill ends); the start
# period covers migrations on a new database. Node's own fetch: the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself is PID 1 (no npm wrapper), so SIGTERM from `docker stop` reaches the daemon's handler.
CMD ["node", "--import", "tsx", "src/main.ts"]
