#!/usr/bin/env bash
# The transcripts in docs/transcripts/ are what scripts/make-transcripts.sh writes from the code
# as it is: fix.md byte for byte; watch.md (times and ports vary) in its verdicts, both the
# fresh one and the committed one. Usage: tests/check-transcripts.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
if ! unshare -rn true 2>/dev/null; then
  echo "SKIPPED: unshare -rn is not permitted here (no user namespaces)"
  exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$src/scripts/make-transcripts.sh" "$build" "$out"
diff -u "$src/docs/transcripts/fix.md" "$out/fix.md" ||
  { echo "docs/transcripts/fix.md is stale: run scripts/make-transcripts.sh"; exit 1; }
for doc in "$out/watch.md" "$src/docs/transcripts/watch.md"; do
  for want in \
    '^| `127.0.0.1` | app-a-01 | [0-9]* | .* | client | 4 | chrony | explained |$' \
    '^| `::1` | app-b-01 | [0-9]* | .* | client | 4 | sntp | \*\*unexplained\*\* |$' \
    '^| `127.0.0.2` |  | [0-9]* | .* | client | 4 | sntp | \*\*unexplained\*\* |$' \
    '^Static analysis: 1 explained, 2 unexplained$' \
    '^  - `repos/app-a/etc/chrony/chrony.conf:2`, rule `chrony-source` (active, repository repos/app-a)$' \
    "^ntpdig: ::1: Response dropped: stratum 0, probable KOD packet$"; do
    grep -q -- "$want" "$doc" || { echo "$doc: no line matching: $want"; exit 1; }
  done
done
echo "transcripts are current"
