#!/usr/bin/env bash
# Writes ntpsweep's JSON reports (scan with several target sets, inventory) of fixtures/ and
# ../shared/realworld into DIR, so that two builds can be compared finding for finding:
#
#   bench/findings-snapshot.sh OLD-BINARY /tmp/before
#   bench/findings-snapshot.sh build/ntpsweep /tmp/after
#   diff -r -x '*.stats' /tmp/before /tmp/after   # a performance change must leave this empty
set -euo pipefail

[ "$#" -eq 2 ] || { echo "usage: $0 NTPSWEEP-BINARY OUT-DIR" >&2; exit 2; }
bin=$(realpath "$1")
out=$2
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(realpath "$out")

fixture_hosts=(10.20.30.40 ntp-old.corp.example.com fd00::123 10.0.0.1 192.0.2.10
  ntp-old.corp.example.net ntp1.corp.example.com 192.0.2.1 10.20.30.41 10.0.0.7 ntp1.example.com)
cidr_hosts=(10.20.30.0/24 fd00::/64 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16)
# Every literal value labelled in the real-world manifest, and a few names that are suffixes of others.
mapfile -t realworld_hosts < <(python3 - "$here/../shared/realworld/MANIFEST.yaml" <<'PY'
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
vals = set()
for r in m["repositories"]:
    for f in r["files"]:
        for ref in f.get("references") or []:
            if isinstance(ref, dict) and ref.get("literal", True) and ref.get("value"):
                vals.add(str(ref["value"]))
print("\n".join(sorted(vals) + ["pool.ntp.org", "google.com", "ntp.org"]))
PY
)

args() { local a=() h; for h in "$@"; do a+=(--host "$h"); done; printf '%s\n' "${a[@]}"; }

# $1 = name, $2 = directory to run in, $3.. = operands and options
scan() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && "$bin" scan -q --fail-on none --format json -o "$out/$name.json" "$@") 2>"$out/$name.stderr" || true
}

cd "$here"
mapfile -t fa < <(args "${fixture_hosts[@]}")
mapfile -t ca < <(args "${cidr_hosts[@]}")
mapfile -t ra < <(args "${realworld_hosts[@]}")
scan fixtures-hosts "$here" "${fa[@]}" fixtures
scan fixtures-cidrs "$here" "${ca[@]}" fixtures
scan fixtures-hosts-j1 "$here" -j1 "${fa[@]}" fixtures
scan realworld-literals "$here/../shared" "${ra[@]}" realworld
scan realworld-cidrs "$here/../shared" "${ca[@]}" realworld
scan realworld-fixture-hosts "$here/../shared" "${fa[@]}" realworld
(cd "$here" && "$bin" inventory --format json -o "$out/fixtures-inventory.json" fixtures) 2>"$out/fixtures-inventory.stderr" || true
(cd "$here/../shared" && "$bin" inventory --format json -o "$out/realworld-inventory.json" realworld) 2>"$out/realworld-inventory.stderr" || true
(cd "$here" && "$bin" scan -q --fail-on none --format sarif -o "$out/fixtures-hosts.sarif" "${fa[@]}" fixtures) 2>/dev/null || true
sed -i "s|$out/||" "$out"/*.stderr  # the report's path, not where the snapshot was written
# The counts of --stats (how many entries the gate let through) are expected to change: apart.
for f in "$out"/*.json; do
  python3 - "$f" <<'PY'
import json, sys
path = sys.argv[1]
report = json.load(open(path))
stats = report.pop("stats", None)
json.dump(report, open(path, "w"), indent=1, sort_keys=True)
json.dump(stats, open(path[:-5] + ".stats", "w"), indent=1, sort_keys=True)
PY
done
for f in "$out"/*.json "$out"/*.sarif; do
  printf '%s: %s bytes\n' "$(basename "$f")" "$(wc -c <"$f")"
done
