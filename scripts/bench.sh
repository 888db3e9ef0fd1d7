#!/usr/bin/env bash
# Load generator for socket-push, the bare-Netty floor and Node's ws (the bench module: bench/, see bench/README.md).
#
#   scripts/bench.sh fanout    --server ours|floor|node --sockets 19000 --seconds 60 [--warmup 10] [--heap 2g]
#                              [--server-transport auto|epoll|io_uring|nio] [--histo FILE]
#   scripts/bench.sh echo      --server ours|floor|node --sockets 64 --seconds 20 [--warmup 10]
#   scripts/bench.sh broadcast --server ours|floor|node [--clients N | --initial 1000 --step 1000 --max 19000]
#   scripts/bench.sh fanout    --server-pid PID --port 8080 ...   (a server already running: not started/stopped)
#   scripts/bench.sh channels  --rooms 1000 --per-room 10 --interval-ms 10000 --seconds 60 [--server ours |
#                              --server-pid PID[,PID2,PID3] --port P[,P2,P3]]   (results in docs/bench/channels.jsonl)
#   scripts/bench.sh soak      --sockets 19000 --seconds 600 [--rooms 100 --per-room 10 --interval-ms 2000] [--churn-per-second 20]
#                              [--hostile 1] [--server ours | --server-pid PID --port P]   (results in docs/bench/soak.jsonl)
#   scripts/bench.sh plot      [--results docs/bench/results.jsonl] [--out docs]
#   scripts/bench.sh channels-plot [--results docs/bench/channels.jsonl] [--note knee] [--out docs/channels-knee.png]
#   scripts/bench.sh transports [--clients 100,1000,5000] [--seconds 20] [--transports idle,poll,longpoll,sse,sockjs,websocket]
#   scripts/bench.sh transports-plot [--results docs/bench/transports.jsonl] [--out docs]
#
# Builds what it needs (the product, installed for the bench module to compile against, then
# bench/), starts the server as a child process (so its PID is known; ours is target/socket-push.jar
# with bench/target/socket-push-bench.jar on the class path, which adds /ws/bench; node is
# bench/node/server.js, whose ws module is installed from package-lock.json by npm ci the first
# time) and stops it after. One JSON line per run is printed and appended to docs/bench/results.jsonl (transports:
# docs/bench/transports.jsonl, then docs/transports-*.png are redrawn and the table printed).
# SKIP_BUILD=1 reuses the last build.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench
CLASSPATH_FILE="$PWD/target/bench/classpath.txt"
# offline first (the Maven repository is usually warm), online if something is missing
build() { mvn -q -o "$@" 2>/dev/null || mvn -q "$@"; }
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  build -Dmaven.test.skip=true install
  build -f bench/pom.xml -DskipTests package dependency:build-classpath -DincludeScope=runtime \
    -Dmdep.outputFile="$CLASSPATH_FILE"
fi
# Node's ws, pinned by bench/node/package-lock.json: installed once, for runs that start the node server
if [[ " $* " == *" --server node "* && ! -d bench/node/node_modules ]]; then
  npm ci --prefix bench/node --no-audit --no-fund
fi
CP="bench/target/socket-push-bench.jar:$(cat "$CLASSPATH_FILE")"
# The client's own heap: 19,000 sockets need little, but a small heap would cost GC time it reports as its CPU.
exec java -Xms1g -Xmx1g -XX:+UseParallelGC ${BENCH_JAVA_OPTS:-} -Djava.awt.headless=true -cp "$CP" io.socketpush.bench.Bench "$@"
