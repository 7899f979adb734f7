# One image per service, built from the whole workspace: `docker build --build-arg SERVICE=order .`
# (docker compose passes SERVICE for each of order, inventory and payment).

ARG NODE_IMAGE=node:20-bookworm-slim

# --- deps: node_modules and the generated Prisma clients ---------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV SCARF_ANALYTICS=false
COPY package.json package-lock.json .npmrc ./
# postinstall runs `node tools/prisma-generate.mjs`, which reads prisma/<service>/schema.prisma and writes each
# client to apps/<service>/src/infrastructure/prisma/generated, so tools/ and prisma/ are copied before `npm ci`.
COPY tools/ tools/
COPY prisma/ prisma/
RUN npm ci --no-audit --no-fund

# --- build: SWC compiles apps/ and libs/ (generated clients included) to dist/ ------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# Only the generated Prisma clients exist under apps/ in the deps stage; the sources come next.
COPY --from=deps /app/apps ./apps
COPY . .
RUN node tools/build.mjs

# --- runtime -------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
# node_modules as installed (dev dependencies included): simple, and the Prisma runtime is known to be complete.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# prisma/ holds the services' SQL migrations (applied by the compose `migrate` service; the platform's own are in
# dist/libs/platform/migrations, copied there by the build); nx.json marks the workspace root, which the migration
# runner uses to find prisma/.
COPY package.json nx.json ./
COPY prisma/ prisma/

# Declared after the shared layers so the three service images reuse them.
ARG SERVICE=order
ENV SERVICE=${SERVICE}
RUN test -f "dist/apps/${SERVICE}/src/main.js" \
  || { echo "SERVICE must be order, inventory or payment (got '${SERVICE}')" >&2; exit 1; }

USER node
# The port is HTTP_PORT (3000 / 3001 / 3002 under docker compose).
# A shell expands ${SERVICE} at start; `exec` replaces the shell so node itself receives `docker stop`'s SIGTERM
# (Nest shutdown hooks then close the HTTP server and the database pool).
CMD ["sh", "-c", "exec node --enable-source-maps \"dist/apps/${SERVICE}/src/main.js\""]
