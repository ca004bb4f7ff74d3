# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY gateway ./gateway
COPY client ./client
COPY bench ./bench
RUN npm run build

# Runtime stage: production dependencies and the compiled JavaScript only.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    LOYCORE_HOST=0.0.0.0 \
    LOYCORE_PORT=8080 \
    LOYCORE_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown -R node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.LOYCORE_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains the shards: staged commits become durable before exit.
STOPSIGNAL SIGTERM
CMD ["node", "dist/gateway/main.js"]
