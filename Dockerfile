# One image for the gateway and every subgraph; the command picks which.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY . .
ENV NODE_ENV=production
USER node
CMD ["npx", "tsx", "gateway/index.ts"]
