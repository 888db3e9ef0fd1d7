#!/usr/bin/env bash
# End to end without a browser: Django and socket-push side by side, ann logs in, follows her personal
# channel over SSE with her session cookie (the connect proxy asks Django who she is), orders something,
# sees the push; bob's cookie cannot follow ann's channel; ann logs out and her stream ends.
# Usage: examples/django/smoke.sh   (after: mvn -q -DskipTests package, apt-get install python3-django curl)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PY=${PYTHON:-/usr/bin/python3}
JAR=${JAR:-../../target/socket-push.jar}
DJANGO_PORT=${DJANGO_PORT:-8000}
PUSH_PORT=${PUSH_PORT:-8080}
export SOCKET_PUSH_URL=http://127.0.0.1:$PUSH_PORT
work=$(mktemp -d)
export DJANGO_DB=$work/db.sqlite3
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

$PY manage.py migrate -v 0
$PY manage.py shell -c "from django.contrib.auth.models import User; User.objects.create_user('ann', password='ann-pass'); User.objects.create_user('bob', password='bob-pass')"
$PY manage.py runserver 127.0.0.1:$DJANGO_PORT --noreload >"$work/django.log" 2>&1 & pids+=($!)
java -jar "$JAR" -conf socket-push.json --http.port=$PUSH_PORT --proxy.connectUrl=http://127.0.0.1:$DJANGO_PORT/socket-push/connect >"$work/socket-push.log" 2>&1 & pids+=($!)
for url in http://127.0.0.1:$DJANGO_PORT/login/ http://127.0.0.1:$PUSH_PORT/health/ready; do
  for _ in $(seq 100); do curl -fs -o /dev/null "$url" && break; sleep 0.2; done
done

login() { # $1 user, $2 password, $3 cookie jar
  curl -fs -c "$3" -b "$3" -o /dev/null http://127.0.0.1:$DJANGO_PORT/login/
  local csrf; csrf=$(awk '/csrftoken/ {print $7}' "$3")
  curl -fs -c "$3" -b "$3" -o /dev/null -H "Referer: http://127.0.0.1:$DJANGO_PORT/login/" \
       -d "csrfmiddlewaretoken=$csrf&username=$1&password=$2" http://127.0.0.1:$DJANGO_PORT/login/
}
cookie() { awk '/sessionid/ {printf "sessionid=%s", $7}' "$1"; }
login ann ann-pass "$work/ann"; login bob bob-pass "$work/bob"
ann_id=$($PY manage.py shell -c "from django.contrib.auth.models import User; print(User.objects.get(username='ann').id)")

curl -sN -H "Cookie: $(cookie "$work/ann")" "http://127.0.0.1:$PUSH_PORT/sse/channels/user:$ann_id" >"$work/ann.sse" & pids+=($!)
sse=$!
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $(cookie "$work/bob")" "http://127.0.0.1:$PUSH_PORT/sse/channels/user:$ann_id")
[[ $status == 403 ]] || { echo "FAIL: bob's cookie on ann's channel got $status, not 403"; exit 1; }
for _ in $(seq 50); do grep -q 'event: subscribed' "$work/ann.sse" && break; sleep 0.1; done

csrf=$(awk '/csrftoken/ {print $7}' "$work/ann")
curl -fs -b "$work/ann" -H "X-CSRFToken: $csrf" -H "Referer: http://127.0.0.1:$DJANGO_PORT/" -d "item=a teapot" http://127.0.0.1:$DJANGO_PORT/order/ >/dev/null
for _ in $(seq 50); do grep -q 'order received: a teapot' "$work/ann.sse" && break; sleep 0.1; done
grep -q 'order received: a teapot' "$work/ann.sse" || { echo "FAIL: no push on ann's stream"; cat "$work/ann.sse"; exit 1; }

curl -fs -b "$work/ann" -H "X-CSRFToken: $csrf" -H "Referer: http://127.0.0.1:$DJANGO_PORT/" -X POST -o /dev/null http://127.0.0.1:$DJANGO_PORT/logout/
for _ in $(seq 50); do kill -0 "$sse" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$sse" 2>/dev/null; then echo "FAIL: ann's stream still open after logout"; exit 1; fi
echo "OK: the push reached ann only, and logging out ended her stream"
