#!/usr/bin/env python3
"""Runs ntpsweep on one case of the hostile suite (make-hostile.py) and checks what
docs/security.md promises for it:

  - the exit code is 0, 1 or 2 (no signal, no abort); hangs are ctest's TIMEOUT;
  - peak RSS (getrusage of the child) stays under --max-rss-mb;
  - every planted reference is reported, at its line;
  - the gap is named: a notice with the expected id prefix whose location names the place, or
    the expected skip counter in the stats;
  - the JSON and SARIF reports are valid JSON of the documented shape, text output works too;
  - nothing is written anywhere but -o: the case tree is unchanged (lstat of every entry), and
    the child's working directory, TMPDIR and HOME stay empty.

Usage: check-hostile.py --binary NTPSWEEP --suite OUT [--max-rss-mb N] [--make] CASE
Prints one table row (case, exit, RSS, planted found, notice) and exits 1 on any failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def snapshot(root):
    """Every entry under root (no symlink followed) -> its identity and content stamps."""
    out = {}
    stack = [os.fsencode(root)]
    while stack:
        d = stack.pop()
        try:
            names = os.listdir(d)
        except OSError as e:
            out[d] = ("unreadable", e.errno)
            continue
        for n in names:
            p = os.path.join(d, n)
            st = os.lstat(p)
            out[p] = (st.st_mode, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            if os.path.isdir(p) and not os.path.islink(p):
                stack.append(p)
    return out


def snapshot_deep(root):
    """As snapshot, through openat (no path is longer than one name) for trees deeper than
    PATH_MAX."""
    out = {}
    stack = [(os.open(root, os.O_RDONLY | os.O_DIRECTORY), "")]
    while stack:
        fd, rel = stack.pop()
        for n in os.listdir(fd):
            st = os.stat(n, dir_fd=fd, follow_symlinks=False)
            out[rel + "/" + n] = (st.st_mode, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            if (st.st_mode & 0o170000) == 0o040000:
                sub = os.open(n, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                stack.append((sub, rel + "/" + n))
        os.close(fd)
    return out


def run(binary, args, cwd, env, out_file):
    """Runs the binary; returns (exit code or -signal, peak RSS in MiB, seconds, stderr)."""
    start = time.monotonic()
    with open(os.path.join(cwd, "..", "stderr.txt"), "wb") as err:
        p = subprocess.Popen([binary] + args + ["-o", out_file], cwd=cwd, env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    with open(os.path.join(cwd, "..", "stderr.txt"), "rb") as f:
        stderr = f.read().decode("utf-8", "replace")
    return p.returncode, usage.ru_maxrss / 1024.0, time.monotonic() - start, stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--suite", required=True)
    ap.add_argument("--max-rss-mb", type=float, default=512)
    ap.add_argument("--make", action="store_true",
                    help="write the case first (make-hostile.py); remove it again when it passes")
    ap.add_argument("case")
    a = ap.parse_args()
    a.binary = os.path.abspath(a.binary)
    if a.make:
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make-hostile.py"),
                        a.suite, a.case], check=True)
    with open(os.path.join(a.suite, "specs", a.case + ".json")) as f:
        spec = json.load(f)
    root = os.path.abspath(os.path.join(a.suite, "cases", a.case))
    failures = []

    deep = a.case == "deep_directories"
    before = snapshot_deep(root) if deep else snapshot(root)
    sandbox = tempfile.mkdtemp(prefix="hostile-" + a.case + "-", dir=a.suite)
    cwd, tmp, home, outdir = (os.path.join(sandbox, d) for d in ("cwd", "tmp", "home", "out"))
    for d in (cwd, tmp, home, outdir):
        os.makedirs(d)
    env = dict(os.environ, TMPDIR=tmp, HOME=home)
    env.pop("GITHUB_ACTIONS", None)
    common = ["scan", "--host", "10.66.0.1", "-q", "--color", "never", root]

    results = {}
    for fmt in ("json", "sarif", "text"):
        out_file = os.path.join(outdir, "report." + fmt)
        code, rss, secs, stderr = run(a.binary, common + ["--format", fmt], cwd, env, out_file)
        results[fmt] = (code, rss, secs)
        if code not in (0, 1, 2):
            failures.append("%s run: exit %d (a signal or abort); stderr ends: %s"
                            % (fmt, code, stderr[-2000:]))
        if rss > a.max_rss_mb:
            failures.append("%s run: peak RSS %.0f MiB over the bound %.0f MiB" % (fmt, rss, a.max_rss_mb))
        if not os.path.exists(out_file):
            failures.append("%s run: no report written to -o" % fmt)

    report, sarif = None, None
    try:
        with open(os.path.join(outdir, "report.json"), encoding="utf-8") as f:
            report = json.load(f)
        for key in ("findings", "notices", "stats"):
            if key not in report:
                failures.append("JSON report has no %r" % key)
    except (OSError, ValueError) as e:
        failures.append("JSON report unreadable: %s" % e)
    try:
        with open(os.path.join(outdir, "report.sarif"), encoding="utf-8") as f:
            sarif = json.load(f)
        if sarif.get("version") != "2.1.0" or not isinstance(sarif.get("runs"), list):
            failures.append("SARIF report is not a SARIF 2.1.0 log")
        else:
            for r in sarif["runs"][0].get("results", []):
                if not r.get("locations") or "message" not in r or "ruleId" not in r:
                    failures.append("SARIF result without location, message or ruleId")
                    break
    except (OSError, ValueError) as e:
        failures.append("SARIF report unreadable: %s" % e)

    findings = report.get("findings", []) if report else []
    notices = report.get("notices", []) if report else []
    prefix = os.fsdecode(root) + "/"

    def where(f):
        return f.get("location", "")

    found_all = True
    for p in spec.get("planted", []):
        hits = [f for f in findings if where(f).endswith(p["location_suffix"])
                and (not p.get("within") or p["within"] in where(f))
                and f.get("line") == p["line"]]
        if p.get("active"):
            hits = [f for f in hits if f.get("activity") == "active"]
        if not hits:
            found_all = False
            near = sorted({"%s:%s" % (where(f), f.get("line")) for f in findings})[:12]
            failures.append("planted reference %s:%d not reported%s (reported: %s)"
                            % (p["location_suffix"], p["line"], " as active" if p.get("active") else "",
                               ", ".join(near) or "nothing"))
    for part, n in spec.get("min_findings_in", {}).items():
        locs = {where(f) for f in findings if part in where(f)}
        if len(locs) < n:
            failures.append("expected findings in %d entries under %r, got %d: %s"
                            % (n, part, len(locs), sorted(locs)))
    for bad in spec.get("no_location_contains", []):
        for f in findings:
            if bad in where(f).replace(prefix, ""):
                failures.append("a finding outside the scanned root: %s" % where(f))

    def has_notice(n):
        return any(x.get("id", "").startswith(n["id"])
                   and n["where"] in (x.get("location", "") + " " + x.get("message", ""))
                   and n.get("text", "") in x.get("message", "").lower()
                   for x in notices)

    named = "-"
    expected = [spec["notice"]] if spec.get("notice") else []
    expected += spec.get("notices", [])
    for n in expected:
        if not has_notice(n):
            failures.append("no notice %s* naming %r%s (notices: %s)"
                            % (n["id"], n["where"], " with %r" % n["text"] if n.get("text") else "",
                               "; ".join("%s %s: %s" % (x.get("id"), x.get("location"), x.get("message"))
                                         for x in notices)[:3000] or "none"))
    if expected:
        named = ",".join(sorted({x.get("id") for x in notices if any(
            x.get("id", "").startswith(n["id"]) and n["where"] in (x.get("location", "") + " " + x.get("message", ""))
            for n in expected)})) or "MISSING"
    if "max_notices" in spec and len(notices) > spec["max_notices"]:
        failures.append("%d notices, more than %d (the same thing named again and again)"
                        % (len(notices), spec["max_notices"]))
    if spec.get("skipped"):
        skipped = (report or {}).get("stats", {}).get("skipped", {})
        if not skipped.get(spec["skipped"]):
            failures.append("stats.skipped has no %r count (skipped: %s)" % (spec["skipped"], skipped))
        named = "skipped %s=%s" % (spec["skipped"], skipped.get(spec["skipped"]))
    if spec.get("stat"):
        value = (report or {}).get("stats", {}).get(spec["stat"], 0)
        if not value:
            failures.append("stats.%s is 0" % spec["stat"])
        named = "%s=%s" % (spec["stat"], value)
    fon = spec.get("found_or_notice")
    if fon:
        found = any(where(f).endswith(fon["location_suffix"]) for f in findings)
        noticed = any(fon["notice_where"] in x.get("location", "") + x.get("message", "") for x in notices)
        if not (found or noticed):
            failures.append("the file at %s is neither reported nor named in a notice" % fon["location_suffix"])
        named = "found" if found else ("notice" if noticed else "MISSING")

    after = snapshot_deep(root) if deep else snapshot(root)
    if after != before:
        changed = sorted(set(before.items()) ^ set(after.items()))[:10]
        failures.append("the scanned tree changed: %s" % changed)
    for d in (cwd, tmp, home):
        if os.listdir(d):
            failures.append("files written into %s: %s" % (os.path.basename(d), os.listdir(d)))
    extra = set(os.listdir(outdir)) - {"report.json", "report.sarif", "report.text"}
    if extra:
        failures.append("files written beside -o: %s" % sorted(extra))

    code, rss, secs = results["json"]
    max_rss = max(r[1] for r in results.values())
    print("| %s | %d | %.1f s | %.0f MiB | %s | %s |"
          % (a.case, code, secs, max_rss, "yes" if found_all else "NO", named))
    if spec.get("note"):
        print("note: " + spec["note"])
    if failures:
        print("FAILED %s:\n  - %s" % (a.case, "\n  - ".join(failures)))
        sys.exit(1)
    shutil.rmtree(sandbox)
    if a.make:  # the suite takes about 1 GB on disk: a passing case gives its space back
        subprocess.run(["rm", "-rf", root], check=True)


if __name__ == "__main__":
    main()
