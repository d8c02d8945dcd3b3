# The ETL daemon built from this repository. Build context: the repository root
# (docker compose does this; by hand: docker build -f docker/etl.Dockerfile .).
FROM node:20.20.2-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Workspace manifests first so the dependency layer is cached across source edits.
COPY package.json package-lock.json .npmrc ./
COPY etl/package.json etl/
COPY dashboards/package.json dashboards/
COPY grafana-plugins/funnel-panel/package.json grafana-plugins/funnel-panel/
COPY grafana-plugins/order-feed-panel/package.json grafana-plugins/order-feed-panel/
# Only the etl workspace's dependencies (tsx runs the TypeScript sources, so dev deps stay).
RUN npm ci --workspace etl --include=dev
COPY etl etl
COPY sql sql
COPY kpi kpi
USER node
CMD ["npm", "run", "start", "-w", "etl"]
