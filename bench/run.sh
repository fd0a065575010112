#!/usr/bin/env bash
# The benchmark (see docs/PERFORMANCE.md): builds in release mode, starts latchkeyd and
# latchkey-nodes on a fresh SQLite database (and a fresh PostgreSQL database when one
# answers on 127.0.0.1:5432), prepares accounts, keys and tokens through the SDK, drives
# each scenario with wrk, checks every response, and prints a table (also written as
# JSON to target/bench/results.json). With the first backend it also measures
# latchkey-gate: decisions/s on /verify and, when nginx is installed, requests/s through
# nginx with and without the gate (examples/gateway/nginx.conf).
#
#   bench/run.sh                 # everything, 10 s per scenario
#   BENCH_DURATION=5 bench/run.sh
#   BENCH_BACKENDS=sqlite bench/run.sh
#   BENCH_ONLY=gate BENCH_BACKENDS=sqlite bench/run.sh   # the latchkey-gate scenarios alone
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
THREADS=2
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
PORT=${BENCH_PORT:-18400}
NODES_PORT=$((PORT + 1))
GATE_PORT=$((PORT + 2))
NGINX_PORT=$((PORT + 3))
OUT=target/bench
RESULTS=$OUT/results.jsonl
BIN=target/release

if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian package)…" >&2
    SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --locked -p latchkeyd -p latchkey-nodes -p latchkey-gate -p latchkey-bench

rm -rf "$OUT"
mkdir -p "$OUT"
SERVER_PID= NODES_PID= GATE_PID= NGINX_PID= RSS_PID= PG_DB=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    [ -n "$NODES_PID" ] && kill "$NODES_PID" 2>/dev/null || true
    [ -n "$GATE_PID" ] && kill "$GATE_PID" 2>/dev/null || true
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    [ -n "$PG_DB" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
}
trap cleanup EXIT

wait_ready() {
    for _ in $(seq 100); do
        curl -sf "$1" >/dev/null && return 0
        sleep 0.1
    done
    echo "$1 did not become ready" >&2
    exit 1
}

# Peak RSS of latchkeyd, or of $RSS_PID when set (the gate's scenarios).
peak_rss_mib() {
    awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/${RSS_PID:-$SERVER_PID}/status"
}

# run_wrk BACKEND SCENARIO URL [CONNECTIONS] -- with BENCH_* variables in the environment.
run_wrk() {
    local backend=$1 scenario=$2 url=$3 connections=${4:-$CONNECTIONS}
    local log="$OUT/$backend-${scenario//[^a-z0-9]/-}.txt"
    BENCH_THREADS=$THREADS wrk -t"$THREADS" -c"$connections" -d"${DURATION}s" --latency \
        -s bench/scenario.lua "$url" >"$log" 2>&1
    local result
    result=$(sed -n 's/^BENCH_RESULT //p' "$log")
    [ -n "$result" ] || { echo "wrk failed for $scenario: see $log" >&2; exit 1; }
    printf '{"backend":"%s","scenario":"%s","rss_mib":%s,"wrk":%s}\n' \
        "$backend" "$scenario" "$(peak_rss_mib)" "$result" >>"$RESULTS"
    echo "  $scenario: $result" >&2
}

# with NAME=VALUE… COMMAND…: runs COMMAND (a function too) with those variables exported.
with() {
    (
        while [[ $1 == *=* ]]; do
            export "${1?}"
            shift
        done
        "$@"
    )
}

# The password latchkey-bench gives its accounts (crates/bench/src/main.rs).
BENCH_PASSWORD="bench: correct horse battery staple"

# console_sessions API COUNT FILE: logs COUNT console sessions in through the log-in form
# (bench@bench.test), one `Cookie` header value per line of FILE.
console_sessions() {
    local api=$1 count=$2 file=$3 jar csrf
    jar=$(mktemp)
    : >"$file"
    for _ in $(seq "$count"); do
        csrf=$(curl -sf -c "$jar" "$api/console/login" |
            sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
        curl -sf -b "$jar" -c "$jar" -o /dev/null "$api/console/login" \
            --data-urlencode "csrf=$csrf" --data-urlencode "email=bench@bench.test" \
            --data-urlencode "password=$BENCH_PASSWORD"
        awk '$6 == "latchkey_console" { print "latchkey_console=" $7 }' "$jar" >>"$file"
        rm -f "$jar"
    done
    rm -f "$jar"
    [ "$(wc -l <"$file")" -eq "$count" ] || { echo "console log-ins failed" >&2; exit 1; }
}

# dpop_proofs DIR METHOD URL TOKEN_FILE COUNT NAME: COUNT proofs by the bench's DPoP key
# for one request (with the `ath` of the token in DIR/TOKEN_FILE when given), in
# DIR/NAME.<wrk thread>; made just before their scenario (the previous ones go first).
dpop_proofs() {
    local dir=$1 method=$2 url=$3 token=$4 count=$5 name=$6
    rm -f "$dir"/*_proofs.*
    "$BIN/latchkey-bench" dpop-proofs --dir "$dir" --method "$method" --url "$url" \
        ${token:+--access-token-file "$token"} --count "$count" --files "$THREADS" --out "$name"
}

token_post() {
    with BENCH_METHOD=POST BENCH_PATH=/auth/token BENCH_CONTENT_TYPE=application/json \
        BENCH_EXPECT='"accessToken":"ey' "$@"
}

bench_backend() {
    local backend=$1 database=$2
    local data="$OUT/$backend"
    local api="http://127.0.0.1:$PORT"
    echo "== $backend" >&2
    # The DPoP scenarios send proofs made ahead (wrk cannot sign), all with an `iat` of
    # the second they were made: a replay cache that holds every one of them keeps them
    # acceptable for the whole run (with the default 100,000, proofs beyond it would be
    # refused as too old, as they should in service).
    printf '[dpop]\nreplay_capacity = 2000000\n' >"$OUT/latchkeyd.toml"
    "$BIN/latchkeyd" --listen "127.0.0.1:$PORT" --database "$database" --issuer "$api" \
        --config "$OUT/latchkeyd.toml" >"$OUT/$backend-latchkeyd.log" 2>&1 &
    SERVER_PID=$!
    wait_ready "$api/readyz"
    "$BIN/latchkey-nodes" --listen "127.0.0.1:$NODES_PORT" --issuer "$api" \
        --dpop-replay-capacity 2000000 \
        >"$OUT/$backend-nodes.log" 2>&1 &
    NODES_PID=$!
    wait_ready "http://127.0.0.1:$NODES_PORT/healthz"
    "$BIN/latchkey-bench" prepare --server "$api" --dir "$data" --rotating $((CONNECTIONS * 2))
    if [ "${BENCH_ONLY:-}" = gate ]; then
        bench_gate "$backend" "$data" "$api"
        stop_services
        return
    fi

    token_post BENCH_BODY_FILE="$data/cc.json" run_wrk "$backend" "client-credentials" "$api"
    token_post BENCH_BODY_FILE="$data/refresh.json" run_wrk "$backend" "refresh" "$api"

    # Growth: a million stored refresh sessions, measured right after the figures above
    # so that the machine's drift in speed weighs as little as possible on the ratio.
    # Every later scenario runs with them stored.
    "$BIN/latchkey-bench" seed --database "$database" --dir "$data" --count 1000000
    token_post BENCH_BODY_FILE="$data/cc.json" \
        run_wrk "$backend" "client-credentials, 1M sessions stored" "$api"
    token_post BENCH_BODY_FILE="$data/refresh.json" \
        run_wrk "$backend" "refresh, 1M sessions stored" "$api"

    token_post BENCH_ROTATE_FILE="$data/rotating.txt" BENCH_EXPECT='"refreshToken":"ey' \
        run_wrk "$backend" "refresh-rotation" "$api"
    # Raw argon2id is measured just before and just after the logins, and averaged.
    local raw_before raw_after
    raw_before=$("$BIN/latchkey-bench" argon2 --threads 2 --seconds 5)
    # 16 connections over 16 accounts: one address may run at most 5 password checks of
    # one account and 25 in all at once (the lockout counts a check before it runs); two
    # hashing threads are kept busy all the same.
    with BENCH_METHOD=POST BENCH_PATH=/auth/login BENCH_AUTH_FILE="$data/login_auths.txt" \
        BENCH_EXPECT='"accessToken":"ey' run_wrk "$backend" "password login" "$api" 16
    raw_after=$("$BIN/latchkey-bench" argon2 --threads 2 --seconds 5)
    printf '{"backend":"%s","scenario":"raw argon2id (2 threads)","rate":%s}\n' "$backend" \
        "$(awk -v a="$raw_before" -v b="$raw_after" 'BEGIN { printf "%.1f", (a + b) / 2 }')" \
        >>"$RESULTS"
    echo "  raw argon2id: $raw_before/s before the logins, $raw_after/s after" >&2
    with BENCH_PATH=/users/me BENCH_AUTH="Bearer $(cat "$data/account_token")" \
        BENCH_EXPECT='"email"' run_wrk "$backend" "GET /users/me" "$api"
    # The account console: 50 signed-in users (50 sessions, 50 connections) browsing
    # their client keys (the session check, then the key list, rendered).
    console_sessions "$api" 50 "$data/console_cookies.txt"
    with BENCH_PATH=/console/keys BENCH_AUTH_HEADER=Cookie \
        BENCH_AUTH_FILE="$data/console_cookies.txt" BENCH_EXPECT='Your client keys' \
        run_wrk "$backend" "console page (GET /console/keys), 50 users" "$api" 50
    with BENCH_METHOD=POST BENCH_PATH=/oauth2/introspect \
        BENCH_CONTENT_TYPE=application/x-www-form-urlencoded \
        BENCH_AUTH="Basic $(cat "$data/client_basic")" BENCH_BODY_FILE="$data/introspect.form" \
        BENCH_EXPECT='"active":true' run_wrk "$backend" "introspection" "$api"
    with BENCH_PATH=/nodes/v1/status BENCH_AUTH="Bearer $(cat "$data/client_token")" \
        BENCH_EXPECT='"subject"' run_wrk "$backend" "nodes status" "http://127.0.0.1:$NODES_PORT"
    if [ "$backend" = "${BACKENDS%% *}" ]; then
        bench_gate "$backend" "$data" "$api"
    fi

    # A login flood alongside the client-credentials grants.
    env BENCH_METHOD=POST BENCH_PATH=/auth/login BENCH_AUTH_FILE="$data/login_auths.txt" \
        BENCH_THREADS=1 wrk -t1 -c16 -d"$((DURATION + 2))s" -s bench/scenario.lua "$api" \
        >"$OUT/$backend-login-flood.txt" 2>&1 &
    local flood=$!
    sleep 1
    token_post BENCH_BODY_FILE="$data/cc.json" \
        run_wrk "$backend" "client-credentials, login flood alongside" "$api"
    wait "$flood"

    # A real login's latency while failed logins flood in from other addresses, as a
    # botnet sends them (latchkey-bench junk-logins: 16 addresses of 127.1.0.0/16 at a
    # time, 4 connections each, each address replaced after 20 logins so the lockout
    # never starts). The real logins come from 127.0.0.1 over 2 connections: the hashing
    # queue gives every address its turn and, when full, makes room for one with nothing
    # waiting. The flood's own answers (401 hashed, 503 refused, 429 locked) are the
    # next results line.
    "$BIN/latchkey-bench" junk-logins --server "$api" --seconds "$((DURATION + 2))" \
        --backend "$backend" --scenario "junk logins from other addresses (answers)" \
        >"$OUT/$backend-junk-flood.json" 2>"$OUT/$backend-junk-flood.txt" &
    local junk=$!
    sleep 1
    with BENCH_METHOD=POST BENCH_PATH=/auth/login BENCH_AUTH="Basic $(cat "$data/login_basic")" \
        BENCH_EXPECT='"accessToken":"ey' \
        run_wrk "$backend" "password login, junk flood from other addresses" "$api" 2
    wait "$junk"
    cat "$OUT/$backend-junk-flood.json" >>"$RESULTS"
    echo "  junk flood: $(cat "$OUT/$backend-junk-flood.json")" >&2

    # DPoP last: the replay cache the proofs fill (see dpop_proofs) would raise latchkeyd's
    # peak RSS for every scenario after it.
    dpop_proofs "$data" POST "$api/auth/token" "" $((DURATION * 30000)) grant_proofs
    token_post BENCH_BODY_FILE="$data/cc.json" BENCH_DPOP_FILE="$data/grant_proofs" \
        BENCH_EXPECT='"tokenType":"DPoP"' run_wrk "$backend" "client-credentials, DPoP-bound" "$api"
    dpop_proofs "$data" GET "http://127.0.0.1:$NODES_PORT/nodes/v1/status" dpop_client_token \
        $((DURATION * 120000)) nodes_proofs
    with BENCH_PATH=/nodes/v1/status BENCH_AUTH="DPoP $(cat "$data/dpop_client_token")" \
        BENCH_DPOP_FILE="$data/nodes_proofs" BENCH_EXPECT='"subject"' \
        run_wrk "$backend" "nodes status, DPoP" "http://127.0.0.1:$NODES_PORT"
    rm -f "$data"/*_proofs.*

    stop_services
}

stop_services() {
    kill "$NODES_PID" "$SERVER_PID"
    wait "$NODES_PID" "$SERVER_PID" 2>/dev/null || true
    SERVER_PID= NODES_PID=
}

# nginx.conf for the gate scenarios: the example configuration on $NGINX_PORT, and beside
# it the same proxying without the gate ($NGINX_PORT + 10), both in front of an upstream
# that nginx serves itself ($NGINX_PORT + 20: a fixed 200), all files under $1.
nginx_conf() {
    local dir=$1 upstream=127.0.0.1:$((NGINX_PORT + 20))
    mkdir -p "$dir"
    sed -e "s/server 127.0.0.1:8402;/server 127.0.0.1:$GATE_PORT;/" \
        -e "s/server 127.0.0.1:8080;/server $upstream;/" \
        -e "s/listen 8000;/listen 127.0.0.1:$NGINX_PORT;/" \
        examples/gateway/nginx.conf >"$dir/latchkey.conf"
    cat >"$dir/nginx.conf" <<CONF
daemon off;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/body; proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi; uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
    include $dir/latchkey.conf;
    server {
        listen 127.0.0.1:$((NGINX_PORT + 10));
        location / {
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://api;
        }
    }
    server {
        listen $upstream;
        location / { return 200 "ok\n"; }
    }
}
CONF
}

# latchkey-gate: decisions/s on /verify (a client token on a scoped route, as Traefik
# asks), then through nginx with and without the gate when nginx is installed.
bench_gate() {
    local backend=$1 data=$2 api=$3
    local gate="http://127.0.0.1:$GATE_PORT" nginx
    "$BIN/latchkey-gate" --listen "127.0.0.1:$GATE_PORT" --issuer "$api" \
        --rules examples/gateway/rules.toml >"$OUT/gate.log" 2>&1 &
    GATE_PID=$!
    wait_ready "$gate/readyz"
    RSS_PID=$GATE_PID
    with BENCH_PATH=/verify BENCH_AUTH="Bearer $(cat "$data/client_token")" \
        BENCH_HEADERS="X-Forwarded-Method: GET;X-Forwarded-Uri: /api/items?page=2" \
        run_wrk "$backend" "gate /verify" "$gate"
    nginx=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)
    if [ -n "$nginx" ]; then
        nginx_conf "$(pwd)/$OUT/nginx"
        "$nginx" -p "$(pwd)/$OUT/nginx" -c "$(pwd)/$OUT/nginx/nginx.conf" \
            -e "$(pwd)/$OUT/nginx/error.log" &
        NGINX_PID=$!
        wait_ready "http://127.0.0.1:$((NGINX_PORT + 10))/"
        with BENCH_PATH=/api/items run_wrk "$backend" "nginx, no gate" \
            "http://127.0.0.1:$((NGINX_PORT + 10))"
        with BENCH_PATH=/api/items BENCH_AUTH="Bearer $(cat "$data/client_token")" \
            run_wrk "$backend" "nginx + gate" "http://127.0.0.1:$NGINX_PORT"
        kill "$NGINX_PID"
        wait "$NGINX_PID" 2>/dev/null || true
        NGINX_PID=
    else
        echo "  nginx not installed: the nginx scenarios are skipped" >&2
    fi
    kill "$GATE_PID"
    wait "$GATE_PID" 2>/dev/null || true
    GATE_PID= RSS_PID=
}

started=$SECONDS
for backend in $BACKENDS; do
    case $backend in
        sqlite)
            bench_backend sqlite "sqlite://$OUT/sqlite.db" ;;
        postgres)
            if ! psql -q -h 127.0.0.1 -U postgres -c 'SELECT 1' >/dev/null 2>&1; then
                echo "== postgres: no server on 127.0.0.1:5432, skipped" >&2
                continue
            fi
            PG_DB="latchkey_bench_$$"
            psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $PG_DB" >/dev/null
            bench_backend postgres "postgres://postgres@127.0.0.1:5432/$PG_DB" ;;
    esac
done

echo
echo "latchkey benchmark: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), \
wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on the same machine, $((SECONDS - started)) s"
"$BIN/latchkey-bench" report --results "$RESULTS" --json "$OUT/results.json"
