# syntax=docker/dockerfile:1
# Pyboxtech-Med container image: `docker compose build` (or `docker build -t pyboxtech-med:local .`).
#   default command      -> serves HTTP on :8080 (behind the compose reverse proxy)
#   command `migrate`    -> applies EF migrations as the owner role, grants the runtime role, exits 0
#
# Two stages: the SDK image builds and publishes; the runtime image (no SDK, no compiler) holds only the published
# files, owned by root and run as the non-root `app` user. The root file system can be mounted read-only (compose
# does): the app writes only to /var/lib/pyboxtech-med (a named volume) and /tmp (a tmpfs).
# HEALTHCHECK: GET /health/live over bash's /dev/tcp (deploy/app/healthcheck.sh; the runtime image has neither curl
# nor wget, and installing one only for a probe would widen the image). /health stays the readiness check (database
# and audit writer) for an external monitor through the proxy.

############################ build ############################
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore first, from the files that decide it, so the layer is reused while only sources change.
# (The bracketed names are optional files: a wildcard that matches nothing is skipped.)
COPY Directory.Build.props .editorconfig Directory.Packages.prop[s] Directory.Build.target[s] global.jso[n] nuget.confi[g] NuGet.Confi[g] ./
COPY src/Pyboxtech.Med.Web/Pyboxtech.Med.Web.csproj src/Pyboxtech.Med.Web/
RUN dotnet restore src/Pyboxtech.Med.Web/Pyboxtech.Med.Web.csproj

# Then everything else the build may read (src/ and root-level config such as analyzer or stylecop files that
# Directory.Build.props may point at); .dockerignore keeps tests/, bin/obj, .git, secrets and docs out.
# Only the web project is published (the .sln also references tests/, which are not in the build context).
# No --no-restore: should the web project gain a ProjectReference under src/, restore picks it up here.
COPY . .
RUN dotnet publish src/Pyboxtech.Med.Web/Pyboxtech.Med.Web.csproj \
        --configuration Release \
        --output /app/publish \
        -p:UseAppHost=false

############################ runtime ############################
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app

ENV ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_NOLOGO=1

# Files stay owned by root, so the app cannot rewrite its own binaries.
COPY --from=build /app/publish ./
COPY --chmod=755 deploy/app/healthcheck.sh /usr/local/bin/pyboxtech-healthcheck

# The one place the app writes: the audit chain heads (a named volume in compose, initialised with this owner).
RUN mkdir -p /var/lib/pyboxtech-med && chown "$APP_UID" /var/lib/pyboxtech-med

# $APP_UID is the non-root `app` user (uid 1654) that the .NET 8+ images create; numeric so that
# "run as non-root" checks can verify it.
USER $APP_UID

EXPOSE 8080
# Liveness, every 30 s after a minute of start-up: `docker compose ps` shows a process that stopped answering as
# unhealthy (Docker itself restarts only a container that exits). The one-shot `migrate` service runs the same image
# and switches this off (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["/usr/local/bin/pyboxtech-healthcheck"]
ENTRYPOINT ["dotnet", "Pyboxtech.Med.Web.dll"]
