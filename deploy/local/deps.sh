#!/usr/bin/env bash
# deploy/local/deps.sh — install the Debian packages kefu needs to build, run
# and test on a developer machine or a CI runner (Debian 12 / bookworm).
#
# Run by `make deps`, which `make run`, `make test` and `make bench` depend on.
# It is a fast no-op when everything is already installed (one dpkg-query per
# package, no network); otherwise it runs `apt-get update` once and installs
# only what is missing, non-interactively (safe without a terminal, e.g. CI).
# Uses plain apt-get as root and sudo otherwise.
#
# Then the npm packages of tests/openapi (the OpenAPI validator `make test`
# runs), pinned by its package-lock.json, with `npm ci` when they are missing
# or the lock file changed; Debian's nodejs and npm are installed first when
# there is no node/npm at all (any node >= 18 will do).
#
# Usage: deploy/local/deps.sh [--dry-run] [EXTRA_PACKAGE...]
#   --dry-run   only report what is missing (exit 1 if anything is), install nothing
#   EXTRA_PACKAGE  more package names to require on top of the list below
set -euo pipefail

PACKAGES=(
    build-essential       # C compiler, make, libc headers
    pkg-config            # compiler/linker flags for the libraries below
    libzmq3-dev           # ZeroMQ: request/reply and event bus
    libprotobuf-c-dev     # protobuf-c runtime for the message envelopes
    protobuf-c-compiler   # protoc-c: generates C code from proto/
    protobuf-compiler     # protoc: generates the Python code the e2e tests use
    libpq-dev             # PostgreSQL client library (libpq)
    postgresql            # local PostgreSQL server for make run / make test
    postgresql-contrib    # pg_trgm and other extensions
    libsodium-dev         # crypto: Ed25519 tokens, XChaCha20, Argon2id, BLAKE2b
    libmicrohttpd-dev     # HTTP server in the gateway
    libjansson-dev        # JSON in the gateway
    libcmocka-dev         # C unit test framework
    libcurl4-openssl-dev  # HTTP client (webhooks delivery)
    python3-pytest        # end-to-end test runner
    python3-requests      # HTTP client for the e2e tests
    python3-zmq           # ZeroMQ client for the e2e tests
    python3-protobuf      # protobuf runtime for the e2e tests
    python3-jsonschema    # e2e tests check answers against the OpenAPI document's schemas
    python3-icalendar     # e2e tests parse the roster iCalendar export (RFC 5545)
    curl                  # readiness checks in run.sh, manual poking
    locales               # C.UTF-8 locale for the PostgreSQL cluster
    tzdata                # IANA time zones (common/kefu_tz reads /usr/share/zoneinfo)
)

dry_run=0
if [[ ${1:-} == --dry-run ]]; then
    dry_run=1
    shift
fi
PACKAGES+=("$@")
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    PACKAGES+=(nodejs npm)
fi

# tests/openapi/node_modules, installed exactly as package-lock.json says.
NPM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tests/openapi" && pwd -P)
npm_packages() {
    local stamp=$NPM_DIR/node_modules/.package-lock.json
    if [[ -f $stamp && ! $NPM_DIR/package-lock.json -nt $stamp ]]; then
        return 0
    fi
    if ((dry_run)); then
        echo "deps.sh: npm packages of tests/openapi are not installed" >&2
        return 1
    fi
    (cd "$NPM_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "deps.sh: installed the npm packages of tests/openapi" >&2
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [[ $status != "install ok installed" ]]; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    npm_packages
    exit $?
fi

echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
if ((dry_run)); then
    npm_packages || true
    exit 1
fi

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    # Without a terminal (CI) never prompt: -n fails instead of waiting.
    if [[ -t 0 ]]; then as_root=(sudo); else as_root=(sudo -n); fi
else
    echo "deps.sh: not root and sudo is not installed; install them by hand:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends -o Dpkg::Options::=--force-confdef \
    -o Dpkg::Options::=--force-confold "${missing[@]}"
echo "deps.sh: installed ${missing[*]}" >&2
npm_packages
