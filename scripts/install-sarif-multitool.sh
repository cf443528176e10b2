#!/usr/bin/env bash
# Installs @microsoft/sarif-multitool (validator) and @microsoft/jest-sarif (for its copy of the
# SARIF 2.1.0 JSON schema) into build-tools/; does nothing when they are already there.
# npm 11 does not run the package's postinstall step, so the binary's exec bit is set here.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=5.7.0
dir="$here/build-tools/sarif-multitool"
bin="$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
schema_pkg="$dir/node_modules/@microsoft/jest-sarif"
if [ -x "$bin" ] && [ -d "$schema_pkg" ] &&
   grep -q "\"version\": \"$version\"" "$dir/node_modules/@microsoft/sarif-multitool/package.json" 2>/dev/null; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "install-sarif-multitool: npm is missing (run scripts/install-deps.sh)" >&2
  exit 1
fi
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"name":"ntpsweep-build-tools","private":true}' > "$dir/package.json"
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error "@microsoft/sarif-multitool@$version" \
  "@microsoft/jest-sarif@1.0.0-beta.0" >&2)
chmod u+x "$bin"
