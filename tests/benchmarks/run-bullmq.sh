#!/usr/bin/env bash
# The BullMQ comparison of docs/benchmarks.md: installs what is missing
# (redis-server from Debian, BullMQ from npm), starts a private redis-server
# with persistence off on a free loopback port, runs bullmq/bench.js against
# it and stops it. Extra arguments go to bench.js (e.g. --repeat 3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y "${missing[@]}"
fi
if [ ! -d "$here/bullmq/node_modules/bullmq" ] || [ ! -d "$here/bullmq/node_modules/ioredis" ]; then
    (cd "$here/bullmq" && npm install --no-audit --no-fund)
fi

port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
workdir="$(mktemp -d "${TMPDIR:-/tmp}/jobdesk-bullmq-XXXXXX")"
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$workdir" \
    --logfile "$workdir/redis.log" --daemonize no &
redis_pid=$!
cleanup() {
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
        break
    fi
    sleep 0.05
done
redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null
echo "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on 127.0.0.1:$port" \
    "(save '', appendonly no: nothing is synced to disk)"

node "$here/bullmq/bench.js" --host 127.0.0.1 --port "$port" --redis-pid "$redis_pid" "$@"
