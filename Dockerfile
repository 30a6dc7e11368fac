# Two stages: compile TypeScript with the dev tools, then ship only dist/ and production dependencies.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# With the optional dependencies: TypeScript 7's compiler is one (@typescript/typescript-linux-x64). This stage is
# thrown away, so the embedded PostgreSQL they bring too never reaches the image.
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:24-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# The embedded PostgreSQL is optional and only for running without DATABASE_URL; an image never needs it.
RUN npm ci --omit=dev --omit=optional && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY migrations ./migrations
COPY data ./data
# The fonts the PNG map is drawn with (src/routes/uptake/map-png.ts): an image has no others.
COPY assets ./assets
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node runs directly (no npm or shell in between), so SIGTERM reaches the graceful shutdown. V8's heap is held small,
# as `npm start` holds it: 8 MiB semi-spaces, and a full collection once the heap has grown 35 % past what the last
# one kept; V8's own sizing let a busy service's RSS pass 285 MB for no gain in speed (see README, "Benchmarks").
# bench/run.ts runs this command.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=35", "dist/server.js"]
