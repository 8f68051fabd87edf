# syntax=docker/dockerfile:1
# The LifeOps add-on image: the lifeops binary, a bundled PostgreSQL and the
# s6-overlay services in addon/rootfs that start them.

# No --platform=$BUILDPLATFORM here: the Supervisor's local builds may not
# define it. Under BuildKit GOARCH still follows TARGETARCH; elsewhere the
# stage runs on the target itself and Go's default is already right.
#
# No `go mod download`: it fetches every module of go.mod, test-only ones
# included; `go build` fetches only the modules the binary imports. The
# module and build caches are BuildKit cache mounts, so a rebuild after a
# code change compiles only what changed.
FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY cmd/ cmd/
COPY internal/ internal/
COPY migrations/ migrations/
ARG BUILD_VERSION=dev
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOARCH="${TARGETARCH}" go build -trimpath \
      -ldflags "-s -w -X main.version=${BUILD_VERSION}" \
      -o /out/lifeops ./cmd/lifeops

FROM ghcr.io/home-assistant/base:3.23

# Stop the add-on when start-up fails (a failed restore, a cluster of another
# major version), and give it all the time a restore needs: the base image's
# defaults are "carry on" and 5 s.
ENV S6_BEHAVIOUR_IF_STAGE2_FAILS=2 \
    S6_CMD_WAIT_FOR_SERVICES_MAXTIME=0

# postgresql16 is the previous major: its binaries let start-up upgrade an
# existing cluster with pg_upgrade (addon/rootfs/usr/lib/lifeops/common.sh).
RUN apk add --no-cache jq postgresql17 postgresql17-client postgresql16

COPY addon/rootfs/ /
COPY --from=build /out/lifeops /usr/bin/lifeops

# lifeops healthcheck asks the local /healthz, so the image needs no curl.
# Five misses in a row (2.5 min) also covers a slow first start; the linter
# misreads --start-period, which would say the same more directly.
HEALTHCHECK --interval=30s --timeout=5s --retries=5 \
  CMD ["/usr/bin/lifeops", "healthcheck"]

ARG BUILD_VERSION=dev
ARG BUILD_ARCH=amd64
LABEL \
  io.hass.name="LifeOps" \
  io.hass.description="Habits, streaks, XP, an RPG character and a Daily Life Score" \
  io.hass.url="https://github.com/lifeops/lifeops" \
  io.hass.type="app" \
  io.hass.arch="${BUILD_ARCH}" \
  io.hass.version="${BUILD_VERSION}" \
  org.opencontainers.image.title="LifeOps" \
  org.opencontainers.image.source="https://github.com/lifeops/lifeops" \
  org.opencontainers.image.version="${BUILD_VERSION}"
