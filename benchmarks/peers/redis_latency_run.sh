#!/usr/bin/env bash
# Redis online-read latency (issue 9, acceptance 4): our per-read harness, then redis-benchmark (the C client shipped
# with Redis) running the same 251-field HMGET and a PING against the same server, as the machine's floor.
# Usage: benchmarks/peers/redis_latency_run.sh [reads per shape, default 20000]
set -euo pipefail
reads="${1:-20000}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
dir="$(mktemp -d)"
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize no >"$dir/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "// $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg); redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')"
dotnet build "$root/benchmarks/MLOps.Benchmarks" -c Release -v q -nologo >/dev/null
MLOPS_REDIS="127.0.0.1:$port" dotnet "$root/benchmarks/MLOps.Benchmarks/bin/Release/net10.0/MLOps.Benchmarks.dll" redis-latency "$reads" 2000

# The same shape for redis-benchmark: a hash of 250 fields of 5-byte values, HMGET of the 250 fields and one more.
fields="$(python3 -c 'print(" ".join("f%d" % i for i in range(250)))')"
redis-cli -p "$port" hset floor:k $(python3 -c 'print(" ".join("f%d vvvvv" % i for i in range(250)))') >/dev/null
echo "// redis-benchmark, 1 client, no pipelining, $reads requests each (latency in ms)"
redis-benchmark -p "$port" -n "$reads" -c 1 -P 1 --csv HMGET floor:k $fields _ts:x 2>/dev/null | tail -n 1 | sed 's/^"HMGET[^"]*"/"HMGET 251 fields"/'
redis-benchmark -p "$port" -n "$reads" -c 1 -P 1 --csv PING 2>/dev/null | tail -n 1
