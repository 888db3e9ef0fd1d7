#!/usr/bin/env bash
# Three (or MEMBERS) socket-push members on this machine, from the fat jar, as one cluster.
#
#   scripts/cluster.sh start    # start them and wait until each is ready
#   scripts/cluster.sh status   # one line per member: port, members seen, LEADER (publishes the ticks), sockets
#   scripts/cluster.sh stop     # SIGTERM: each drains its sockets and leaves
#
# Member i serves HTTP on HTTP_BASE+i (8081, 8082, 8083) and Hazelcast on CLUSTER_BASE+i (5701, ...);
# logs and pids go to RUN_DIR (target/cluster). Build the jar first: mvn -DskipTests package
# EXTENSIONS: jars to put on the members' class path beside the product, e.g.
# EXTENSIONS=bench/target/socket-push-bench.jar for /ws/bench (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

MEMBERS=${MEMBERS:-3}
HTTP_BASE=${HTTP_BASE:-8080}
CLUSTER_BASE=${CLUSTER_BASE:-5700}
RUN_DIR=${RUN_DIR:-target/cluster}
NAME=${CLUSTER_NAME:-socket-push-local}
JAR=${JAR:-target/socket-push.jar}
EXTENSIONS=${EXTENSIONS:-}
# what the jar's manifest opens under -jar, given by hand when extensions need -cp
OPENS="--add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED --add-exports java.base/jdk.internal.ref=ALL-UNNAMED"

if [ -n "$EXTENSIONS" ]; then
  # shellcheck disable=SC2206
  LAUNCH=($OPENS -cp "$JAR:$EXTENSIONS" io.socketpush.Main)
else
  LAUNCH=(-jar "$JAR")
fi

seeds() {
  local list=""
  for i in $(seq 1 "$MEMBERS"); do list+="127.0.0.1:$((CLUSTER_BASE + i)),"; done
  echo "${list%,}"
}

alive() { [ -f "$RUN_DIR/member-$1.pid" ] && kill -0 "$(cat "$RUN_DIR/member-$1.pid")" 2>/dev/null; }

start() {
  [ -f "$JAR" ] || { echo "no $JAR: run mvn -DskipTests package first" >&2; exit 1; }
  mkdir -p "$RUN_DIR"
  for i in $(seq 1 "$MEMBERS"); do
    if alive "$i"; then echo "member $i already running"; continue; fi
    HTTP_PORT=$((HTTP_BASE + i)) CLUSTER_ENABLED=true CLUSTER_NAME="$NAME" CLUSTER_HOST=127.0.0.1 \
      CLUSTER_PORT=$((CLUSTER_BASE + i)) CLUSTER_MEMBERS="$(seeds)" \
      nohup java ${JAVA_OPTS:-} "${LAUNCH[@]}" > "$RUN_DIR/member-$i.log" 2>&1 &
    echo $! > "$RUN_DIR/member-$i.pid"
  done
  for i in $(seq 1 "$MEMBERS"); do
    local port=$((HTTP_BASE + i)) tries=0
    until curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null; do
      tries=$((tries + 1))
      if [ $tries -gt 120 ] || ! alive "$i"; then
        echo "member $i did not become ready; see $RUN_DIR/member-$i.log" >&2; exit 1
      fi
      sleep 0.5
    done
    echo "member $i ready: http://127.0.0.1:$port/  (pid $(cat "$RUN_DIR/member-$i.pid"))"
  done
}

# one line per member from its /api/stats: HTTP port, members it sees, whether it publishes the
# ticks, and its open sockets (all transports)
status() {
  for i in $(seq 1 "$MEMBERS"); do
    local port=$((HTTP_BASE + i))
    if ! alive "$i"; then echo "member $i  port $port  not running"; continue; fi
    local stats
    if ! stats=$(curl -sf "http://127.0.0.1:$port/api/stats"); then
      echo "member $i  port $port  not answering (pid $(cat "$RUN_DIR/member-$i.pid"))"; continue
    fi
    echo "$stats" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("member %s  port %s  sees %d  %-8s  sockets %d" % (sys.argv[1], sys.argv[2], s["cluster"]["members"],
      "LEADER" if s["leadingTicker"] else "follower", sum(s["socketsOpen"].values())))' "$i" "$port"
  done
}

stop() {
  for i in $(seq 1 "$MEMBERS"); do
    if alive "$i"; then kill -TERM "$(cat "$RUN_DIR/member-$i.pid")"; fi
  done
  for i in $(seq 1 "$MEMBERS"); do
    while alive "$i"; do sleep 0.2; done
    rm -f "$RUN_DIR/member-$i.pid"
  done
  echo "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
