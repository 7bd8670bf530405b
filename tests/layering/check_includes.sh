#!/usr/bin/env bash
# check_includes: the include-path mechanism of tests/CMakeLists.txt cannot see a
# quoted include that climbs out of its folder ("../store/db.h"); refuse any quoted
# include with a slash in daemon/, so the layering can only be bypassed in plain sight.
set -euo pipefail
root=${DELIBERD_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if bad=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/' "$root/daemon"); then
  echo "FAIL layering: quoted includes with a path escape the layer check:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "PASS check_includes"
