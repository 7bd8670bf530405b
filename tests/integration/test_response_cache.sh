#!/usr/bin/env bash
# test_response_cache: the terms and ODRL of a recorded version are built once and
# served from memory (daemon/http/cache.c).  Answers from the cache are byte for byte
# what a fresh server builds (also for another date of the same version, where "at"
# and "retention_ended" are spliced in); a strong ETag that is stable across requests
# and restarts and differs between dates; If-None-Match -> 304 without a body (also
# W/ and lists); no ETag on errors; authorisation still per request (a recipient the
# deliberation does not name: 404, also with a matching If-None-Match; a missing or
# revoked token: 401); a new version in force is answered at once (keys are the
# version's identity, not the query).  (Certificates: test_retention.sh.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
export DELIBERD_TEST_DB_PREFIX=${DELIBERD_TEST_DB_PREFIX:-cache_}

t_init response_cache
t_migrate
conf=$DELIBERD_SOURCE_DIR/conf/deliberations/21-128.conf
t_run import "$conf" || t_fail "import: $(cat "$T_DIR/run.err")"
gov=$(t_credential governance gina)
auditor=$(t_credential auditor audra)
t_recipient other-lab
maastricht=$(t_credential recipient rita maastricht-sbe)
other=$(t_credential recipient oscar other-lab)
t_start

terms=/v1/deliberations/21-128/terms
odrl=/v1/deliberations/21-128/odrl

# get PATH TOKEN FILE [CURL-ARGS...]: the body byte for byte into FILE (t_http's
# HTTP_BODY drops trailing newlines)
get() {
  local path=$1 tok=$2 file=$3
  shift 3
  t_http GET "$path" "$tok" "$@"
  cp "$T_DIR/http.body" "$file" 2>/dev/null || : >"$file"
}
same() {
  cmp -s "$1" "$2" || t_fail "$3: the bytes differ ($(wc -c <"$1") vs $(wc -c <"$2"))"
}

# --- first answers (built), then the same from the cache -----------------------------
get "$terms?at=2025-12-01" "$auditor" "$T_DIR/a1"
t_expect_status 200
t_expect_json .version 3
t_expect_json .at 2025-12-01
etag_a=$(t_header ETag)
[[ $etag_a =~ ^\"[0-9a-f]{32}-2025-12-01\"$ ]] || t_fail "ETag of the terms: '$etag_a'"
[[ $(t_header Cache-Control) == "private, no-cache" ]] || t_fail "Cache-Control: $(t_header Cache-Control)"
[[ $(t_header Content-Type) == application/json ]] || t_fail "Content-Type: $(t_header Content-Type)"
get "$terms?at=2025-12-01" "$maastricht" "$T_DIR/a2"
t_expect_status 200
same "$T_DIR/a1" "$T_DIR/a2" "terms from the cache"
[[ $(t_header ETag) == "$etag_a" ]] || t_fail "the ETag changed: $(t_header ETag) vs $etag_a"

# other dates of version 3: the date's values spliced into the cached answer
get "$terms?at=2026-01-15" "$auditor" "$T_DIR/b1"
t_expect_json .at 2026-01-15
t_expect_json .retention_ended false
etag_b=$(t_header ETag)
[[ $etag_b != "$etag_a" && $etag_b == "${etag_a%-2025-12-01\"}-2026-01-15\"" ]] ||
  t_fail "ETag for another date: '$etag_b' (first '$etag_a')"
get "$terms?at=2031-06-01" "$auditor" "$T_DIR/c1"
t_expect_json .at 2031-06-01
t_expect_json .retention_ended true
t_expect_json .version 3
get "$odrl?at=2025-12-01" "$auditor" "$T_DIR/o1"
t_expect_status 200
etag_o=$(t_header ETag)
[[ $etag_o =~ ^\"[0-9a-f]{32}\"$ ]] || t_fail "ETag of the ODRL: '$etag_o'"
get "$odrl?at=2026-01-15" "$maastricht" "$T_DIR/o2"
same "$T_DIR/o1" "$T_DIR/o2" "ODRL from the cache"
[[ $(t_header ETag) == "$etag_o" ]] || t_fail "the ODRL ETag changed"
# version 2 has no terms on record: its terms answer is cached too, its ODRL is a 404
get "$terms?at=2024-06-01" "$auditor" "$T_DIR/v2a"
t_expect_json .terms_on_record false
get "$terms?at=2024-07-01" "$auditor" "$T_DIR/v2b"
t_expect_json .at 2024-07-01
t_http GET "$odrl?at=2024-06-01" "$auditor"
t_expect_error 404 not_found
[[ -z $(t_header ETag) ]] || t_fail "an error has an ETag"
[[ $(t_header Cache-Control) == no-store ]] || t_fail "an error is cacheable"

# --- If-None-Match ---------------------------------------------------------------------
t_http GET "$terms?at=2025-12-01" "$auditor" -H "If-None-Match: $etag_a"
t_expect_status 304
[[ ! -s $T_DIR/http.body ]] || t_fail "a 304 with a body: $HTTP_BODY"
[[ $(t_header ETag) == "$etag_a" ]] || t_fail "the 304 lacks the ETag"
t_http GET "$terms?at=2025-12-01" "$auditor" -H "If-None-Match: \"x\", W/$etag_a"
t_expect_status 304
t_http GET "$terms?at=2025-12-01" "$auditor" -H 'If-None-Match: *'
t_expect_status 304
t_http GET "$terms?at=2026-01-15" "$auditor" -H "If-None-Match: $etag_a"
t_expect_status 200 # another date, another representation
t_http GET "$terms?at=2025-12-01" "$auditor" -H 'If-None-Match: "0123"'
t_expect_status 200
t_http GET "$odrl?at=2025-12-01" "$maastricht" -H "If-None-Match: $etag_o"
t_expect_status 304

# --- authorisation is still checked on every request -----------------------------------
for path in "$terms?at=2025-12-01" "$odrl?at=2025-12-01"; do
  t_http GET "$path" "$other" -H "If-None-Match: $etag_a, $etag_o"
  t_expect_error 404 not_found
  [[ -z $(t_header ETag) ]] || t_fail "an ETag for a recipient that may not see it"
  t_http GET "$path" "" -H "If-None-Match: $etag_a, $etag_o"
  t_expect_error 401 unauthenticated
done
t_run credential revoke --name rita || t_fail "revoke: $(cat "$T_DIR/run.err")"
t_http GET "$terms?at=2025-12-01" "$maastricht" -H "If-None-Match: $etag_a"
t_expect_error 401 unauthenticated

# --- byte for byte what a fresh server builds --------------------------------------------
t_stop
[[ $T_EXIT == 0 ]] || t_fail "deliberd exited $T_EXIT (a sanitizer report?)"
t_start
get "$terms?at=2026-01-15" "$auditor" "$T_DIR/b0" # built: b1 came from the cache
same "$T_DIR/b0" "$T_DIR/b1" "terms for another date"
[[ $(t_header ETag) == "$etag_b" ]] || t_fail "the ETag changed across a restart"
get "$terms?at=2031-06-01" "$auditor" "$T_DIR/c0"
same "$T_DIR/c0" "$T_DIR/c1" "terms after the retention deadline"
get "$terms?at=2024-07-01" "$auditor" "$T_DIR/v2c"
same "$T_DIR/v2c" "$T_DIR/v2b" "terms of version 2"
get "$odrl?at=2026-01-15" "$auditor" "$T_DIR/o0"
same "$T_DIR/o0" "$T_DIR/o2" "ODRL"

# --- a new version in force: answered at once ------------------------------------------
amend4=$(jq -c '{number: 4, decided_on: "2026-03-02", in_force_from: "2026-03-16",
  decision_reference: "ISC/26/042", source_sha256: "abababababababababababababababababababababababababababababababab", retroactive: true,
  reason: "recorded late", summary: "Amendment: destroy by 30 June 2030", terms_on_record: true,
  terms: {retention_until: "2030-06-30", recipients, phases, groups, variables}}' "$T_DIR/a1")
get "$terms?at=2026-04-01" "$auditor" "$T_DIR/d3"
t_expect_json .version 3
t_http POST /v1/deliberations/21-128/versions "$gov" -H 'Content-Type: application/json' \
  --data-binary "$amend4"
t_expect_status 201
t_approve 21-128 4 "$(t_credential governance gwen)"
get "$terms?at=2026-04-01" "$auditor" "$T_DIR/d4"
t_expect_json .version 4
t_expect_json .retention_until 2030-06-30
etag4=$(t_header ETag)
[[ -n $etag4 && ${etag4%-2026-04-01\"} != "${etag_a%-2025-12-01\"}" ]] ||
  t_fail "version 4 has version 3's ETag: $etag4"
t_http GET "$odrl?at=2026-04-01" "$auditor"
[[ $HTTP_BODY == *2030-06-30* ]] || t_fail "ODRL of version 4 does not carry its deadline"
get "$terms?at=2026-01-15" "$auditor" "$T_DIR/b2" # version 3 before that date
same "$T_DIR/b0" "$T_DIR/b2" "version 3 after the amendment"

t_done
