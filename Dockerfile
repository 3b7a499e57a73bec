# syntax=docker/dockerfile:1
# One image per binary, from this one file (deploy/README.md, "Images"):
#   docker build --build-arg BINARY=reviews -t commonweal/reviews .
# BINARY is gateway, applications, donations, funding, reviews or supervision. The image holds the static
# binary alone on distroless static (CA certificates, tzdata, /etc/passwd with nonroot), runs as uid 65532, and
# takes the command as its arguments: `serve` or `migrate` for a service, none for the gateway.
#
# Reproducible: the Go release is pinned (GOTOOLCHAIN), the build is -trimpath without a build ID or VCS
# stamp, and the modules come from go.sum. Pin the two base images by digest (image@sha256:…) for releases,
# and build with SOURCE_DATE_EPOCH (BuildKit rewrites the layers' timestamps) for byte-identical images.

ARG GO_VERSION=1.27.3

FROM golang:${GO_VERSION}-bookworm AS build
ARG GO_VERSION
ARG BINARY
ENV GOTOOLCHAIN=go${GO_VERSION} \
    CGO_ENABLED=0 \
    GOFLAGS=-buildvcs=false
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    case "${BINARY}" in \
      gateway) pkg=./gateway ;; \
      applications|donations|funding|reviews|supervision) pkg=./services/${BINARY} ;; \
      *) echo "--build-arg BINARY=gateway|applications|donations|funding|reviews|supervision (got '${BINARY}')" >&2; exit 1 ;; \
    esac && \
    go build -trimpath -ldflags=-buildid= -o /out/commonweal "${pkg}"

FROM gcr.io/distroless/static-debian12:nonroot
ARG BINARY
LABEL org.opencontainers.image.title="commonweal-${BINARY}" \
      org.opencontainers.image.description="Commonweal ${BINARY}" \
      org.opencontainers.image.licenses="NOASSERTION"
COPY --from=build /out/commonweal /usr/local/bin/commonweal
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/commonweal"]
