# trailaudit's `audit` in a small image that runs as a non-root user.
#
#   docker build --build-arg TRAILAUDIT_COMMIT=$(git rev-parse --short=12 HEAD) -t trailaudit .
#   docker run --rm -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN \
#     -v "$PWD/reports:/home/audit/reports" trailaudit org --regions all
#
# The build step is the one `cargo xtask ci` runs and checks (install-check):
# `cargo install --locked --path crates/cli`.

FROM rust:1.94-slim-bookworm AS build
ARG TRAILAUDIT_COMMIT=unknown
ENV TRAILAUDIT_COMMIT=${TRAILAUDIT_COMMIT}
WORKDIR /src
COPY . .
RUN cargo install --locked --path crates/cli --root /out

FROM debian:bookworm-slim
# CA certificates: the AWS SDK verifies TLS against the system's roots.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --create-home --home-dir /home/audit audit
COPY --from=build /out/bin/audit /usr/local/bin/audit
USER 10001
WORKDIR /home/audit
ENTRYPOINT ["audit"]
CMD ["--help"]
