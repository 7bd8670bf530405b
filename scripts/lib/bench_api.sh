#!/usr/bin/env bash
# bench_api.sh: the API part of scripts/bench (issue 15, item 6).  Serves the same
# bytes from `deliberd serve` and from nginx (Debian's nginx 1.22) on loopback, with
# the same certificate and TLS settings, and drives both with wrk:
#   GET /healthz                                 (public; deliberd pings PostgreSQL)
#   GET /v1/deliberations/21-128/terms?at=DATE   (~21 KB of JSON; auditor token)
# each with kept-alive connections (wrk -t2 -c32) and with a new TLS connection per
# request ("Connection: close"), interleaved deliberd / nginx, best of N rounds.
# Prints requests/s, p50 latency, the deliberd/nginx ratio and both servers' CPU per
# request (utime + stime from /proc/PID/stat, all threads / all nginx processes).
# Loopback only, bounded: every wrk run has a fixed duration and a timeout.
#
# Run through scripts/bench (--api-only, or after the validator part); directly:
#   scripts/lib/bench_api.sh BIN [--rounds N] [--seconds S] [--workers W] [--duckdb CSV]
# --duckdb CSV: also the optional DuckDB comparison of issue 15 (scripts/lib/
# bench_duckdb.mjs, after the API runs): DuckDB, from the npm package
# @duckdb/node-api installed into var/duckdb/ (not a Debian package, so never part
# of the build or the tests), runs the checks of `deliberd validate` on CSV as far
# as SQL allows, with the terms JSON deliberd answered, 2 threads, one run;
# against `deliberd validate --threads 2` on the same file (the large extract of
# scripts/bench: group foreign_born, phase 2, secure_room, 2026-01-15).
# --workers: deliberd's listen.workers (default 4, the shipped default); nginx runs
# "worker_processes auto" (one per core), its own default.  With root and no PGHOST
# a throwaway cluster is used, and its CPU per request is reported too (deliberd
# waits for two queries per terms request: the credential and the version in force).
# BENCH_API_PERF=FILE records a perf profile (perf record -g) of deliberd during the
# kept-alive terms runs.
# Reported, never asserted (targets: terms keep-alive >= 0.25 of nginx; /healthz
# kept alive faster than a new connection per request).  The token reaches wrk
# through a Lua script that reads it from a 0600 file: never on a command line.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${1:?usage: bench_api.sh BIN [--rounds N] [--seconds S] [--workers W]}
shift
rounds=3
seconds=5
workers=4
duckdb_csv=""
while (($#)); do
  case $1 in
  --rounds)
    rounds=${2:?}
    shift
    ;;
  --seconds)
    seconds=${2:?}
    shift
    ;;
  --workers)
    workers=${2:?}
    shift
    ;;
  --duckdb)
    duckdb_csv=${2:?}
    shift
    ;;
  *)
    echo "bench_api.sh: unknown option $1" >&2
    exit 2
    ;;
  esac
  shift
done
[[ $rounds =~ ^[1-9]$ && $seconds =~ ^[1-9][0-9]?$ && $workers =~ ^[1-8]$ ]] || {
  echo "bench_api.sh: --rounds 1..9, --seconds 1..99, --workers 1..8" >&2
  exit 2
}
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  echo "bench_api.sh: wrk and nginx are needed (scripts/setup installs them)" >&2
  exit 1
fi
# shellcheck source-path=SCRIPTDIR source=pg.sh
source "$root/scripts/lib/pg.sh"

say() { printf '== %s\n' "$*" >&2; }
die() {
  printf 'bench_api.sh: %s\n' "$*" >&2
  exit 1
}

terms="$root/conf/deliberations/21-128.conf"
at=2026-01-15
tmp=$(mktemp -d /tmp/deliberd-bench-api.XXXXXX)
chmod 755 "$tmp"
pgdir=""
server_pid=""
nginx_pid=""
db=""
# shellcheck disable=SC2317  # called by the traps
cleanup() {
  local rc=$? pid i
  trap - EXIT
  for pid in "$server_pid" "$nginx_pid"; do
    if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
      continue
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n $db ]]; then
    dropdb --if-exists --force "$db" >/dev/null 2>&1 || true
  fi
  if [[ -n $pgdir ]]; then
    pg_stop "$pgdir"
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- deliberd ------------------------------------------------------------------
if [[ -z ${PGHOST:-} && $EUID == 0 ]]; then
  say "throwaway PostgreSQL cluster"
  pgdir="$tmp/pg"
  sock="$tmp/run"
  port=$((20000 + RANDOM % 30000))
  PG_FSYNC=off pg_init "$pgdir"
  PG_FSYNC=off pg_start "$pgdir" "$sock" "$port" "$tmp/pg.log"
  export PGHOST="$sock" PGPORT="$port" PGUSER=postgres
elif [[ -z ${PGHOST:-} ]]; then
  die "needs root (for a throwaway cluster) or PGHOST"
fi
unset PGDATABASE
db="bench_api_$$_$RANDOM"
createdb "$db"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null ||
  die "openssl could not make a certificate"
conf="$tmp/deliberd.conf"
cat >"$conf" <<CONF
listen = { address = "127.0.0.1"; port = 0; workers = $workers; };
tls = { certificate = "cert.pem"; key = "key.pem"; };
database = { conninfo = "dbname=$db"; migrations_dir = "$root/migrations"; };
log = { level = "info"; format = "json"; };
CONF
run() {
  "$bin" "$@" --config "$conf" >"$tmp/run.out" 2>"$tmp/run.err" || {
    cat "$tmp/run.err" >&2
    die "deliberd $1 failed"
  }
}
run migrate
# Newer deliberd: a registration is proposed by one governance credential and
# approved by another before its terms count; older: import records them at once.
if "$bin" approve --help >/dev/null 2>&1; then
  run credential add --role governance --name bench-proposer
  run credential add --role governance --name bench-approver
  run import --as bench-proposer "$terms"
  run approve 21/128 --as bench-approver
else
  run import "$terms"
fi
run credential add --role auditor --name bench
# the token reaches curl and wrk through files, never on a command line
token=$(head -n 1 "$tmp/run.out")
printf 'header = "Authorization: Bearer %s"\n' "$token" >"$tmp/auth.curl"
printf '%s' "$token" >"$tmp/token"
unset token
chmod 600 "$tmp/auth.curl" "$tmp/token"
rm -f "$tmp/run.out"

"$bin" serve --config "$conf" >"$tmp/serve.out" 2>"$tmp/serve.log" &
server_pid=$!
for ((i = 0; i < 300; i++)); do
  grep -q '^deliberd: listening on ' "$tmp/serve.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
durl=$(sed -n 's/^deliberd: listening on //p' "$tmp/serve.out" | head -n 1)
[[ $durl == https://127.0.0.1:* ]] || {
  tail -n 20 "$tmp/serve.log" >&2
  die "deliberd serve did not get ready on loopback within 30 s"
}

# --- nginx: the same bytes at the same paths, same certificate and TLS settings
terms_path="/v1/deliberations/21-128/terms"
mkdir -p "$tmp/www/v1/deliberations/21-128"
curl -sk --max-time 30 --config "$tmp/auth.curl" -o "$tmp/www$terms_path" \
  -w '%{http_code}' "$durl$terms_path?at=$at" >"$tmp/code" || true
[[ $(<"$tmp/code") == 200 ]] || die "GET $terms_path answered $(<"$tmp/code")"
curl -sk --max-time 30 -o "$tmp/www/healthz" -w '%{http_code}' "$durl/healthz" >"$tmp/code" || true
[[ $(<"$tmp/code") == 200 ]] || die "GET /healthz answered $(<"$tmp/code")"
chmod -R a+rX "$tmp/www"
nport=$((20000 + RANDOM % 30000))
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log $tmp/nginx/access.log;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$nport ssl;
    ssl_certificate $tmp/cert.pem;
    ssl_certificate_key $tmp/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305;
    root $tmp/www;
    default_type application/json;
    location = /healthz { }
    location = $terms_path { }
  }
}
CONF
nginx -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" 2>"$tmp/nginx/stderr" &
nginx_pid=$!
nurl="https://127.0.0.1:$nport"
for ((i = 0; i < 100; i++)); do
  curl -sk --max-time 2 -o /dev/null "$nurl/healthz" 2>/dev/null && break
  kill -0 "$nginx_pid" 2>/dev/null || break
  sleep 0.1
done
for p in /healthz "$terms_path?at=$at"; do
  a=$(curl -sk --max-time 10 --config "$tmp/auth.curl" "$durl$p" | sha256sum)
  b=$(curl -sk --max-time 10 "$nurl$p" | sha256sum)
  [[ $a == "$b" ]] || die "nginx does not serve deliberd's bytes for $p"
done
say "deliberd $durl ($workers workers), nginx $nurl (auto: $(nproc) workers): same bytes," \
  "$(stat -c %s "$tmp/www$terms_path") bytes of terms"

# --- wrk -------------------------------------------------------------------------
cat >"$tmp/auth.lua" <<LUA
local f = assert(io.open("$tmp/token", "r"))
wrk.headers["Authorization"] = "Bearer " .. f:read("*a")
f:close()
LUA
cat >"$tmp/close.lua" <<LUA
dofile("$tmp/auth.lua")
wrk.headers["Connection"] = "close"
LUA

tck=$(getconf CLK_TCK)
# cpu_ticks PID...: utime + stime of the processes (all their threads)
cpu_ticks() {
  local p s=0 t
  for p in "$@"; do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    s=$((s + t))
  done
  echo "$s"
}
nginx_pids() { pgrep -P "$nginx_pid" | tr '\n' ' '; echo "$nginx_pid"; }
# the throwaway cluster's processes (postmaster and backends), when it is ours
pg_pids() {
  [[ -n $pgdir && -f $pgdir/postmaster.pid ]] || return 0
  local pm
  pm=$(head -n 1 "$pgdir/postmaster.pid")
  pgrep -P "$pm" | tr '\n' ' '
  echo "$pm"
}

# one_run SERVER PATH MODE: sets O_RPS, O_P50 (ms), O_CPU (ms per request), O_N
one_run() {
  local url=$nurl pids script=$tmp/auth.lua c0 c1
  pids=$(nginx_pids)
  if [[ $1 == deliberd ]]; then
    url=$durl
    pids=$server_pid
  fi
  [[ $3 == close ]] && script=$tmp/close.lua
  local pg p0 p1 perf_pid=""
  pg=$(pg_pids)
  # shellcheck disable=SC2086  # pids is a list
  c0=$(cpu_ticks $pids)
  # shellcheck disable=SC2086
  p0=$(cpu_ticks $pg)
  if [[ -n ${BENCH_API_PERF:-} && $1 == deliberd && $2 == /v1/* && $3 == keep ]]; then
    perf record -q -g -F 999 -p "$server_pid" -o "$BENCH_API_PERF" -- sleep "$seconds" \
      >/dev/null 2>&1 &
    perf_pid=$!
  fi
  timeout $((seconds + 30)) wrk -t2 -c32 -d"${seconds}s" --timeout 10s --latency \
    -s "$script" "$url$2" >"$tmp/wrk.out" 2>&1 || die "wrk failed: $(tail -n 3 "$tmp/wrk.out")"
  # shellcheck disable=SC2086
  c1=$(cpu_ticks $pids)
  # shellcheck disable=SC2086
  p1=$(cpu_ticks $pg)
  [[ -z $perf_pid ]] || wait "$perf_pid" || true
  O_RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/wrk.out")
  O_N=$(awk '/ requests in / { print $1 }' "$tmp/wrk.out")
  O_P50=$(awk '$1 == "50%" { v = $2; u = v; sub(/[a-z]+$/, "", v); sub(/^[0-9.]+/, "", u)
    printf "%.2f", (u == "us" ? v / 1000 : (u == "s" ? v * 1000 : v)) }' "$tmp/wrk.out")
  O_BAD=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$tmp/wrk.out")
  [[ -z $O_BAD ]] || die "$1 $2 ($3): $O_BAD answers were not 2xx: $(tail -n 5 "$tmp/wrk.out")"
  O_CPU=$(awk -v a="$c0" -v b="$c1" -v n="${O_N:-0}" -v t="$tck" \
    'BEGIN { printf "%.3f", (n > 0 ? (b - a) / t * 1000 / n : 0) }')
  O_PG=$(awk -v a="$p0" -v b="$p1" -v n="${O_N:-0}" -v t="$tck" \
    'BEGIN { printf "%.3f", (n > 0 ? (b - a) / t * 1000 / n : 0) }')
}

declare -A BEST=() P50=() CPU=() PGCPU=()
cases=("/healthz keep" "/healthz close" "$terms_path?at=$at keep" "$terms_path?at=$at close")
for ((r = 1; r <= rounds; r++)); do
  say "round $r of $rounds (load $(cut -d' ' -f1-3 /proc/loadavg))"
  for c in "${cases[@]}"; do
    read -r path mode <<<"$c"
    order=(deliberd nginx)
    ((r % 2 == 0)) && order=(nginx deliberd)
    for s in "${order[@]}"; do
      one_run "$s" "$path" "$mode"
      k="$s $path $mode"
      printf '   %-8s %-44s %-5s %7s req/s  p50 %7s ms  CPU %s ms/req (PostgreSQL %s)\n' \
        "$s" "$path" "$mode" "$O_RPS" "$O_P50" "$O_CPU" "$O_PG" >&2
      if [[ -z ${BEST[$k]:-} ]] || ((O_RPS > BEST[$k])); then
        BEST[$k]=$O_RPS
        P50[$k]=$O_P50
        CPU[$k]=$O_CPU
        PGCPU[$k]=$O_PG
      fi
    done
  done
done

echo
echo "API: deliberd ($workers workers) vs nginx $(nginx -v 2>&1 | sed 's/^nginx version: //')" \
  "($(nproc) workers), wrk -t2 -c32 ${seconds}s, best of $rounds rounds, TLS on loopback," \
  "$(date -u +%Y-%m-%dT%H:%MZ), load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %-10s | %9s %8s %8s %8s | %9s %8s %8s | %6s %6s\n' request connection \
  'deliberd' 'p50 ms' 'CPU ms' 'PG ms' 'nginx' 'p50 ms' 'CPU ms' ratio 'CPU r.'
for c in "${cases[@]}"; do
  read -r path mode <<<"$c"
  label=$path
  [[ $path == /v1/* ]] && label="terms ($(stat -c %s "$tmp/www$terms_path") B)"
  ml="keep-alive"
  [[ $mode == close ]] && ml="new conn"
  d="deliberd $path $mode"
  n="nginx $path $mode"
  printf '%-28s %-10s | %9s %8s %8s %8s | %9s %8s %8s | %6s %6s\n' "$label" "$ml" \
    "${BEST[$d]}" "${P50[$d]}" "${CPU[$d]}" "${PGCPU[$d]:--}" "${BEST[$n]}" "${P50[$n]}" \
    "${CPU[$n]}" \
    "$(awk -v a="${BEST[$d]}" -v b="${BEST[$n]}" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')" \
    "$(awk -v d="${CPU[$d]}" -v p="${PGCPU[$d]:-0}" -v n="${CPU[$n]}" \
      'BEGIN { printf "%.3f", (d + p > 0 ? n / (d + p) : 0) }')"
done
echo "(requests/s; ratio = deliberd / nginx; CPU = server CPU ms per request, all threads;"
echo " PG = the PostgreSQL cluster's CPU ms per deliberd request, when the cluster is ours;"
echo " CPU r. = nginx CPU / (deliberd + PG CPU) per request: the ratio a CPU-bound idle"
echo " machine would approach, steadier than requests/s on a loaded one;"
echo " targets: terms keep-alive ratio >= 0.25; /healthz keep-alive faster than new conn)"

# --- optional: DuckDB doing the validator's checks --------------------------------
if [[ -n $duckdb_csv ]]; then
  [[ -f $duckdb_csv ]] || die "--duckdb: no file $duckdb_csv"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    die "--duckdb needs node and npm"
  fi
  duck="$root/var/duckdb"
  if [[ ! -d $duck/node_modules/@duckdb/node-api ]]; then
    say "installing @duckdb/node-api from the npm registry into $duck"
    mkdir -p "$duck"
    timeout 600 npm install --prefix "$duck" --no-audit --no-fund @duckdb/node-api >/dev/null ||
      die "npm could not install @duckdb/node-api"
  fi
  cp "$root/scripts/lib/bench_duckdb.mjs" "$duck/bench_duckdb.mjs"
  kill -TERM "$server_pid" "$nginx_pid" 2>/dev/null || true # quiet machine for both
  cat "$duckdb_csv" >/dev/null
  say "DuckDB $(jq -r .version "$duck/node_modules/@duckdb/node-api/package.json") and deliberd validate on $duckdb_csv, 2 threads (deliberd best of 3)"
  vt=()
  for ((i = 0; i < 3; i++)); do
    t0=${EPOCHREALTIME/,/.}
    rc=0
    timeout 600 "$bin" validate --terms "$terms" --recipient maastricht-sbe --group foreign_born \
      --phase 2 --destination secure_room --date "$at" --threads 2 --format json \
      "$duckdb_csv" >"$tmp/validate.json" 2>/dev/null || rc=$?
    t1=${EPOCHREALTIME/,/.}
    [[ $rc == 0 ]] || die "deliberd validate exited $rc on $duckdb_csv"
    vt+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
  done
  vbest=$(printf '%s\n' "${vt[@]}" | sort -g | head -n 1)
  # one DuckDB run: it takes minutes where deliberd takes about a second
  timeout 1800 node "$duck/bench_duckdb.mjs" "$tmp/www$terms_path" "$duckdb_csv" "$at" 2 1 \
    >"$tmp/duck.json" || die "the DuckDB run failed"
  read -r dbest drows dviol < <(jq -r '"\(.best) \(.rows) \(.violations)"' "$tmp/duck.json")
  [[ $dviol == 0 && $drows == $(jq -r .rows "$tmp/validate.json") ]] ||
    die "DuckDB counts $drows rows and $dviol violations: its checks are not the same"
  echo
  echo "DuckDB $(jq -r .version "$duck/node_modules/@duckdb/node-api/package.json") vs deliberd validate," \
    "2 threads each (deliberd best of 3, DuckDB one run), $(stat -c %s "$duckdb_csv") bytes," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "deliberd ${vbest}s (runs ${vt[*]}); DuckDB $(printf '%.3f' "$dbest")s" \
    "(runs $(jq -r '.seconds | map(. * 1000 | round / 1000) | join(" ")' "$tmp/duck.json"));" \
    "DuckDB / deliberd: $(awk -v a="$dbest" -v b="$vbest" 'BEGIN { printf "%.1f", a / b }')x" \
    "(target >= 10x)"
fi
