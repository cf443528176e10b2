#!/usr/bin/env bash
# Validates SARIF files the way GitHub code scanning will read them:
#   1. Microsoft's SARIF Multitool with tests/sarif/github-ingestion.config.xml (rule kinds
#      Sarif;Ghas): any error or warning fails;
#   2. the SARIF 2.1.0 JSON schema (the Multitool lets invalid enum values pass): the OASIS
#      errata01 schema from ../shared/sarif when present, else the copy npm's
#      @microsoft/jest-sarif ships.
# Usage: scripts/validate-sarif.sh FILE.sarif...
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tools="$here/build-tools/sarif-multitool/node_modules/@microsoft"
multitool="$tools/sarif-multitool-linux/Sarif.Multitool"
if [ ! -x "$multitool" ]; then
  echo "validate-sarif: the SARIF Multitool is not installed (run scripts/install-deps.sh)" >&2
  exit 2
fi
schema="$here/../shared/sarif/sarif-schema-2.1.0.json"
[ -f "$schema" ] || schema="$tools/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for f in "$@"; do
  out="$work/validation.sarif"
  "$multitool" validate "$f" --rule-kind "Sarif;Ghas" \
    --config "$here/tests/sarif/github-ingestion.config.xml" \
    --level "Error;Warning;Note" --max-file-size-in-kb 204800 --output "$out" --log ForceOverwrite >"$work/multitool.log" 2>&1 || {
    echo "validate-sarif: $f: the Multitool failed:" >&2
    cat "$work/multitool.log" >&2
    status=1
    continue
  }
  /usr/bin/python3 "$here/scripts/sarif_check.py" "$f" "$out" "$schema" || status=1
done
exit $status
