# One image for the gateway and every subgraph; the command picks which:
#   node dist/gateway/index.js                 (the default)
#   node dist/subgraphs/index.js <users|catalog|orders|messaging|promotions>
# The image runs the compiled JavaScript with `node` as PID 1 (no npm, npx or
# tsx in between), so SIGTERM reaches the process and drains it as
# docs/operations.md ("Shutdown") says. It is for PostgreSQL deployments
# (DATABASE_URL): the embedded PGlite database is left out.

# --- build: all dependencies, compile TypeScript to dist/ -------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json main.ts stack.ts ./
COPY platform ./platform
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY schema ./schema
RUN npm run build

# --- production dependencies only, without PGlite ---------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
# postinstall (scripts/patch-postgres.mjs) guards the PostgreSQL driver; the
# embedded database is only used without DATABASE_URL (platform/db.ts loads it lazily)
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@electric-sql/pglite \
 && npm cache clean --force

# --- runtime ------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY scripts/healthcheck.mjs ./scripts/healthcheck.mjs
USER node
EXPOSE 4000
STOPSIGNAL SIGTERM
# docker-compose.yml names the service for each subgraph's check
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.mjs", "gateway"]
CMD ["node", "dist/gateway/index.js"]
