# syntax=docker/dockerfile:1
# Node.js 24 on Debian 13 (trixie, glibc 2.41). Node 20, which the pinned uWebSockets.js
# build is limited to, left long-term support in 2026; the uWebSockets.js build with Node 24
# bindings needs glibc 2.38, which bookworm (2.36) lacks. See docs/operations.md.
ARG NODE_IMAGE=node:24-trixie-slim

# Build stage: compile TypeScript with the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The image's engines: the Node it ships, which the uWebSockets.js build below supports.
RUN npm pkg set "engines.node=>=24 <25" && npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY protocol ./protocol
COPY domain ./domain
COPY shard ./shard
COPY gateway ./gateway
COPY client ./client
COPY bench ./bench
COPY tools ./tools
# The operator console (a browser app) and the script that bundles it into dist/console/.
COPY console ./console
COPY scripts ./scripts
RUN npm run build

# Runtime stage: production dependencies and the compiled JavaScript only.
FROM ${NODE_IMAGE} AS runtime
# uWebSockets.js v20.57.0 as published on the npm registry, with bindings for Node 20, 22, 24
# and 25; it replaces the pinned build (Node 16-20 only) in this image. Checked by hash.
ARG UWS_PACKAGE=@btc-vision/uwebsockets.js@20.57.0
ARG UWS_SHA512=4ae3e912348a67b3f9f0bff6ec15d7b2b1ac3302e63eea5f627cbca09b0e985678fb35fb09af7b9c13ed6779e029b7de0d9cd3ca2eeb5eb8bbe083467ab86e82
ENV NODE_ENV=production \
    LOYCORE_HOST=0.0.0.0 \
    LOYCORE_PORT=8080 \
    LOYCORE_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm pkg set "engines.node=>=24 <25" \
 && npm ci --omit=dev \
 && tarball="$(npm pack --silent "$UWS_PACKAGE")" \
 && echo "$UWS_SHA512  $tarball" | sha512sum -c - \
 && rm -rf node_modules/uWebSockets.js && mkdir node_modules/uWebSockets.js \
 && tar -xzf "$tarball" --strip-components=1 -C node_modules/uWebSockets.js \
 && rm "$tarball" && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown -R node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Reads the port (and host) as the server does: LOYCORE_PORT, or --port on the server's command line.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "dist/gateway/healthcheck.js"]
# SIGTERM drains the shards: staged commits become durable before exit.
STOPSIGNAL SIGTERM
CMD ["node", "dist/gateway/main.js"]
