# syntax=docker/dockerfile:1
# The web app, the worker and the scheduler: one image, the command picks the role
#   docker run IMAGE                    gunicorn (the default command)
#   docker run IMAGE flask worker       a worker; `flask scheduler`, `flask db upgrade` likewise
# compose.yaml runs each. The packages are requirements/runtime.txt, installed with its hashes:
# the same lock as scripts/setup and the wheelhouse, and no embedded Redis.
ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim-bookworm AS base
# Posters need a Chinese font: Noto Sans CJK is the one the poster code looks for first; the
# vector PDF embeds a TrueType one (WenQuanYi Micro Hei: Noto's CFF outlines can't be embedded).
# Not version-pinned: Debian stable replaces a package's version with each point release and
# the old one leaves the mirrors, so a pin would break the build rather than reproduce it.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

FROM base AS packages
COPY requirements/runtime.txt /tmp/runtime.txt
# Wheels only (the image has no compiler), but for jieba: PyPI has it only as source, pure
# Python, so pip builds it from the archive whose hash the lock holds.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes --only-binary :all: --no-binary jieba \
    -r /tmp/runtime.txt

FROM base
RUN groupadd --system --gid 10001 lianluozhan \
 && useradd --system --uid 10001 --gid lianluozhan --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin lianluozhan \
 && mkdir -p /data/instance /data/uploads \
 && chown -R lianluozhan:lianluozhan /data
COPY --from=packages /opt/venv /opt/venv
WORKDIR /app
# Owned by root: the process serving requests cannot change its own code. .dockerignore keeps
# out what production does not run (tests, the mini-program, local state, secrets).
COPY . /app
RUN /opt/venv/bin/python -m compileall -q /app
ENV PATH=/opt/venv/bin:$PATH \
    FLASK_APP=server \
    INSTANCE_PATH=/data/instance \
    UPLOAD_DIR=/data/uploads
# Numeric, so a runtime can tell it is not root without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000
# No HEALTHCHECK here: a worker or scheduler container serves no HTTP and would read as
# unhealthy. compose.yaml checks the web service's /readyz; `docker run` users: GET /healthz.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "server.wsgi:app"]
