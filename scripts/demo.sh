#!/usr/bin/env bash
# Quick start 1: installs the dependencies, builds ntpsweep and scans the bundled example tree
# for an old NTP server known as 10.20.30.40 and ntp-old.corp.example.com.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/install-deps.sh"
"$here/scripts/build.sh"
cd "$here"
set +e
./build/ntpsweep scan --host 10.20.30.40 --host ntp-old.corp.example.com fixtures/demo
rc=$?
set -e
# Exit code 1 means "findings at or above --fail-on": the expected outcome for this demo.
echo "ntpsweep exited with $rc (0: clean, 1: findings, 2: error)"
[ "$rc" -le 1 ]
