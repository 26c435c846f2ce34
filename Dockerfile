# The odh-operator image: `odh-operator run` on a distroless Python, as user 65532, read-only-root friendly.
#
#   docker build -t "$(odh-operator image operator)" --build-arg VERSION="$(odh-operator image operator | cut -d: -f2)" .
#
# Stage 1 builds the wheel and installs it with its dependencies into one folder; the final stage has
# Python and that folder only: no pip, no compilers, no shell.

ARG PYTHON_BUILD_IMAGE=docker.io/library/python:3.11.14-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/python3-debian12:nonroot

FROM ${PYTHON_BUILD_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE THIRD_PARTY_NOTICES ./
COPY odh_operator ./odh_operator
COPY manifests ./manifests
COPY crds ./crds
# Only pure-Python packages and manylinux wheels (pydantic-core, PyYAML, aiohttp): nothing is compiled.
RUN pip wheel --no-deps --wheel-dir /dist . \
 && pip install --only-binary=:all: --target /opt/odh-operator/lib /dist/odh_operator-*.whl \
 && mkdir -p /opt/odh-operator/bin \
 && sed '1s|^#!.*|#!/usr/bin/python3|' /opt/odh-operator/lib/bin/odh-operator > /opt/odh-operator/bin/odh-operator \
 && chmod 0555 /opt/odh-operator/bin/odh-operator \
 && rm -rf /opt/odh-operator/lib/bin \
 && python -m compileall -q /opt/odh-operator/lib

FROM ${RUNTIME_IMAGE}
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="odh-operator" \
      org.opencontainers.image.description="Installs and runs the Open Data Hub AI platform from one OpenDataHub resource" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/opendatahub-io/odh-operator" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="Open Data Hub"
COPY --from=build /opt/odh-operator /opt/odh-operator
# Apache-2.0 section 4(a): the licence travels with the image (and inside the wheel's dist-info).
COPY LICENSE THIRD_PARTY_NOTICES /licenses/
# Bytecode is compiled at build time; nothing is written at run time but /tmp (an emptyDir in the Deployment).
ENV PYTHONPATH=/opt/odh-operator/lib \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/opt/odh-operator/bin/odh-operator", "run"]
