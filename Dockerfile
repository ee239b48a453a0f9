# Bazaar node image: one image, every role; SERVICES picks what a container hosts.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 (the embedded store) is a native addon: where no prebuilt binary can be
# fetched, npm builds it, which needs these. They stay in this stage only.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    PORT=3000 \
    HOST=0.0.0.0 \
    METRICS_PORT=3030 \
    HEALTH_PORT=3031
WORKDIR /app
# The study assistant's offline speech engines, from Debian's packages (a node without them
# answers 503 on the speech routes only, and reports its speech service down).
RUN apt-get update && apt-get install -y --no-install-recommends \
      flite pocketsphinx pocketsphinx-en-us sox \
    && rm -rf /var/lib/apt/lists/*
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY contracts ./contracts
COPY platform ./platform
COPY mixins ./mixins
COPY app ./app
COPY moleculer.config.ts broker.config.ts ./
COPY services ./services
COPY migrations ./migrations
COPY scripts/migrate.ts ./scripts/migrate.ts
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000 3030 3031
# Every node answers its own probes, gateway or not (platform/runtime/node-health.ts).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.HEALTH_PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "node_modules/moleculer/bin/moleculer-runner.js", "--config", "moleculer.config.ts", "--mask", "**/*.service.ts", "services"]
