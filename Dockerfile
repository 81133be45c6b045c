# mcpcheck in a container: a multi-stage build, a slim runtime with only the
# binary and CA certificates (for https targets), running as an unprivileged user.
#
#   docker build -t mcpcheck .
#   docker run --rm --network host mcpcheck test http://127.0.0.1:8000/mcp
#   docker run --rm --network host -u "$(id -u)" -v "$PWD/out:/out" \
#     mcpcheck test http://127.0.0.1:8000/mcp --html /out/html --json /out/report.json

FROM rust:1-slim-bookworm AS build
WORKDIR /src
# The whole workspace: the binary embeds the reference servers crate.
COPY . .
RUN cargo build --release --locked --bin mcpcheck

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/mcpcheck /usr/local/bin/mcpcheck
USER 65534:65534
WORKDIR /tmp
ENTRYPOINT ["mcpcheck"]
CMD ["--help"]
