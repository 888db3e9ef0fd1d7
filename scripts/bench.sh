#!/usr/bin/env bash
# Load generator for socket-push and the bare-Netty floor (src/test/java/io/socketpush/bench).
#
#   scripts/bench.sh fanout    --server ours|floor --sockets 19000 --seconds 60 [--heap 2g]
#   scripts/bench.sh echo      --server ours|floor --sockets 64 --seconds 20
#   scripts/bench.sh broadcast --server ours|floor [--clients N | --initial 1000 --step 1000 --max 19000]
#   scripts/bench.sh fanout    --server-pid PID --port 8080 ...   (a server already running: not started/stopped)
#   scripts/bench.sh channels  --rooms 1000 --per-room 10 --interval-ms 10000 --seconds 60 [--server ours |
#                              --server-pid PID[,PID2,PID3] --port P[,P2,P3]]   (results in docs/bench/channels.jsonl)
#   scripts/bench.sh plot      [--results docs/bench/results.jsonl] [--out docs]
#   scripts/bench.sh transports [--clients 100,1000,5000] [--seconds 20] [--transports idle,poll,longpoll,sse,sockjs,websocket]
#   scripts/bench.sh transports-plot [--results docs/bench/transports.jsonl] [--out docs]
#
# Builds what it needs, starts the server as a child process (so its PID is known) and stops it
# after. One JSON line per run is printed and appended to docs/bench/results.jsonl (transports:
# docs/bench/transports.jsonl, then docs/transports-*.png are redrawn and the table printed).
# SKIP_BUILD=1 reuses the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  mvn -q -o -DskipTests package test-compile 2>/dev/null || mvn -q -DskipTests package test-compile
  mvn -q -o dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench/classpath.txt \
    2>/dev/null || mvn -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench/classpath.txt
fi
CP="target/test-classes:target/classes:$(cat target/bench/classpath.txt)"
# The client's own heap: 19,000 sockets need little, but a small heap would cost GC time it reports as its CPU.
exec java -Xms1g -Xmx1g -XX:+UseParallelGC ${BENCH_JAVA_OPTS:-} -Djava.awt.headless=true -cp "$CP" io.socketpush.bench.Bench "$@"
