# The one image for every hverdagsbro process: migrate, worker, api and codec-server.

FROM python:3.11.10-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/hverdagsbro
WORKDIR /src
# The production lock alone first, so this layer is rebuilt only when the lock changes. Every
# wheel is checked against its hash; none of the dev, bench or test extras is in it.
COPY requirements/prod.txt requirements/prod.txt
RUN /opt/hverdagsbro/bin/pip install --require-hashes --no-deps -r requirements/prod.txt
# .dockerignore lets only pyproject.toml, the lock and the packages through. The project adds no
# dependency of its own (--no-deps) and builds with the locked setuptools.
COPY . .
RUN /opt/hverdagsbro/bin/pip install --no-deps --no-build-isolation .


FROM python:3.11.10-slim-bookworm

ENV PATH=/opt/hverdagsbro/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HVERDAGSBRO_DATA_DIR=/var/lib/hverdagsbro \
    HVERDAGSBRO_LOG_FORMAT=json

RUN groupadd --system --gid 10001 hverdagsbro \
    && useradd --system --uid 10001 --gid hverdagsbro --home-dir /var/lib/hverdagsbro \
        --create-home --shell /usr/sbin/nologin hverdagsbro

COPY --from=build /opt/hverdagsbro /opt/hverdagsbro

USER 10001:10001
WORKDIR /var/lib/hverdagsbro

# api, codec-server, our metrics, the Temporal SDK's metrics
EXPOSE 8000 8089 9464 9465

ENTRYPOINT ["hverdagsbro"]
CMD ["--help"]
