#!/usr/bin/env bash
# Lays out the development corpus labelled in tests/corpus/MANIFEST.yaml in OUTDIR (default
# ../devcorpus beside this repository, where tests/realworld_test.cpp looks), byte for byte from
# snapshots of the public repositories it names, with their licence files. The files themselves
# are not kept in this repository (public repository content stays out of its commits); a
# snapshot is a bare git directory <MIRRORS>/<owner>+<name>/repo (the search tool's fetch makes
# them), NTPSWEEP_MIRRORS overrides /work/.mirror. A repository without a snapshot is named and
# skipped; the test then reports the corpus as incomplete and skips.
#   scripts/devcorpus.sh [OUTDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/../devcorpus}
mirrors=${NTPSWEEP_MIRRORS:-/work/.mirror}
mkdir -p "$out"
python3 - "$here/tests/corpus/MANIFEST.yaml" "$mirrors" "$out" <<'PY'
import os, subprocess, sys, yaml
manifest, mirrors, out = sys.argv[1:]
missing = 0
for repo in yaml.safe_load(open(manifest))["repositories"]:
    git = os.path.join(mirrors, repo["source"].replace("/", "+"), "repo")
    if not os.path.isdir(git):
        print(f"devcorpus: no snapshot of {repo['source']} in {mirrors}; fetch it first", file=sys.stderr)
        missing += 1
        continue
    wanted = [(repo.get("license_commit", repo["commit"]), p) for p in repo.get("license_files", [])]
    wanted += [(f.get("commit", repo["commit"]), f["path"]) for f in repo["files"]]
    for commit, path in wanted:
        dest = os.path.join(out, repo["name"], path)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        data = subprocess.run(["git", "-C", git, "show", f"{commit}:{path}"], capture_output=True)
        if data.returncode != 0:
            print(f"devcorpus: {repo['source']}@{commit[:12]} has no {path}", file=sys.stderr)
            missing += 1
            continue
        open(dest, "wb").write(data.stdout)
print(f"devcorpus: {out} laid out" + (f", {missing} missing" if missing else ""))
sys.exit(1 if missing else 0)
PY
