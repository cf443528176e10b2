#!/usr/bin/env python3
"""Validates real JSON reports against the published schemas (docs/schema/) with jsonschema.

Reports made here by the binary: a scan of fixtures/ (suppressed findings kept), a scan against a
baseline (new, unchanged, updated, absent), a tree whose names are not UTF-8 (location_base64,
chain_base64, related locations, notices with lines) plus a missing operand, and an inventory of
fixtures/. Every report must validate; every field a schema declares must occur in some report
(so the schema describes what the writer emits, not a wish); and a report with one field the
schema does not know must be rejected (additionalProperties false is in force).

usage: check-json-reports.py BINARY SOURCE-DIR
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

from jsonschema import Draft202012Validator

HOSTS = ["10.20.30.40", "192.0.2.10", "ntp-old.corp.example.com", "ntp-old.corp.example.net",
         "10.20.30.0/24"]
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


def run(binary, args, cwd, allowed=(0, 1)):
    proc = subprocess.run([binary] + args, cwd=cwd, capture_output=True)
    if proc.returncode not in allowed:
        raise SystemExit("ntpsweep %s: exit %d\n%s" % (" ".join(args), proc.returncode,
                                                        proc.stderr.decode(errors="replace")))
    return json.loads(proc.stdout)


def scan(binary, operands, cwd, extra=(), allowed=(0, 1)):
    args = ["scan", "--format", "json", "-q", "--include-suppressed"]
    for h in HOSTS:
        args += ["--host", h]
    return run(binary, args + list(extra) + list(operands), cwd, allowed)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def baseline_reports(binary, tmp):
    """A tree scanned, changed, and scanned against the first report."""
    tree = os.path.join(tmp, "baseline")
    conf = os.path.join(tree, "etc", "ntp.conf")
    write(conf, "server 10.20.30.40 iburst\n"
                "server ntp-old.corp.example.com\n"
                "restrict 10.20.30.40 nomodify\n"
                "server 192.0.2.10 iburst  # ntpsweep:ignore -- standby until OPS-42\n")
    first = scan(binary, ["."], tree)
    base = os.path.join(tmp, "base.json")
    write(base, json.dumps(first))
    # Line 1 edited (updated), line 2 removed (absent), a new line (new), line 3 unchanged.
    write(conf, "server 10.20.30.40 iburst prefer\n"
                "restrict 10.20.30.40 nomodify\n"
                "server 192.0.2.10 iburst  # ntpsweep:ignore -- standby until OPS-42\n"
                "pool ntp-old.corp.example.net\n")
    second = scan(binary, ["."], tree, ["--baseline", base])
    states = sorted(f.get("baseline_state") for f in second["findings"] + second.get("absent", []))
    for state in ("new", "unchanged", "updated", "absent"):
        if state not in states:
            fail("baseline report: no finding is %s (states: %s)" % (state, states))
    return [("first scan of the baseline tree", first), ("scan against a baseline", second)]


def names_report(binary, tmp):
    """Names that are not UTF-8, linkage between such files, and notices."""
    tree = os.path.join(tmp, "names").encode()
    odd = os.path.join(tree, b"img-\xff")
    write(os.path.join(odd, b"ntp.conf"), "server 10.20.30.40 iburst\n")
    write(os.path.join(odd, b"Dockerfile"), "FROM debian:12\nCOPY ntp.conf /etc/ntp.conf\n")
    write(os.path.join(tree, b"etc", b"chrony-\xfe.conf"), "server ntp-old.corp.example.com iburst\n")
    write(os.path.join(tree, b"README-\xfd.md"), "The old server is 10\\.20\\.30\\.40 in regexes.\n")
    # A document a reader cannot parse (a notice with a line) under a name that is not UTF-8.
    write(os.path.join(odd, b"values.yaml"), "ntp:\n  servers: [10.20.30.40\n  - {\n")
    # An inline marker that suppresses nothing: a notice with a line and a column.
    write(os.path.join(odd, b"chrony.conf"),
          "server 10.20.30.40 iburst\ndriftfile /var/lib/chrony/drift  # ntpsweep:ignore -- none\n")
    report = scan(binary, [".", "no-such-operand"], tree, ["--report-unused-suppressions"],
                  allowed=(2,))
    if not any("location_base64" in f for f in report["findings"]):
        fail("names report: no finding carries location_base64")
    inventory = run(binary, ["inventory", "--format", "json", ".", "no-such-operand"], tree,
                    allowed=(2,))
    return [("names that are not UTF-8", report)], [("inventory of names that are not UTF-8",
                                                     inventory)]


def schema_paths(schema, node=None, prefix=""):
    """Every property path a schema declares: 'findings[].suppression.kind', ..."""
    node = schema if node is None else node
    if "$ref" in node:
        name = node["$ref"].split("/")[-1]
        return schema_paths(schema, schema["$defs"][name], prefix)
    paths = set()
    for key, sub in node.get("properties", {}).items():
        path = prefix + "." + key if prefix else key
        paths.add(path)
        paths |= schema_paths(schema, sub, path)
    if "items" in node:
        paths |= schema_paths(schema, node["items"], prefix + "[]")
    return paths


def instance_paths(value, prefix="", free=()):
    """Every property path a report holds; maps in `free` (keyed by data) count as one path."""
    paths = set()
    if isinstance(value, dict):
        for key, sub in value.items():
            path = prefix + "." + key if prefix else key
            paths.add(path)
            if path not in free:
                paths |= instance_paths(sub, path, free)
    elif isinstance(value, list):
        for sub in value:
            paths |= instance_paths(sub, prefix + "[]", free)
    return paths


def check(name, schema, reports, free=()):
    validator = Draft202012Validator(schema)
    seen = set()
    for what, report in reports:
        errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
        for e in errors[:20]:
            fail("%s: %s: at %s: %s" % (name, what, "/".join(map(str, e.absolute_path)), e.message))
        seen |= instance_paths(report, free=free)
    declared = set(p.replace("absent[]", "findings[]") for p in schema_paths(schema))
    seen = set(p.replace("absent[]", "findings[]") for p in seen)
    for path in sorted(declared - seen):
        fail("%s: the schema declares %s, but no report here has it" % (name, path))
    for path in sorted(seen - declared):
        fail("%s: the reports have %s, which the schema does not declare" % (name, path))
    # A field the schema does not know, at each level, is an error.
    probes = {"the document": lambda r: r, "stats": lambda r: r["stats"],
              "a notice": lambda r: r["notices"][0]}
    if "servers" in schema["properties"]:
        probes["a server"] = lambda r: r["servers"][0]
        probes["a reference"] = lambda r: r["servers"][0]["references"][0]
    else:
        probes["a finding"] = lambda r: r["findings"][0]
        probes["an absent finding"] = lambda r: r["absent"][0]
        probes["a related location"] = lambda r: next(
            f for f in r["findings"] if "related" in f)["related"][0]
        probes["a suppression"] = lambda r: next(
            f for f in r["findings"] if "suppression" in f)["suppression"]
    for where, at in probes.items():
        for _, report in reports:
            probe = copy.deepcopy(report)
            try:
                at(probe)["unknown_field"] = 1
            except (IndexError, KeyError, StopIteration):
                continue
            if validator.is_valid(probe):
                fail("%s: a report with an unknown field in %s passes the schema" % (name, where))
            break
        else:
            fail("%s: no report has %s to probe" % (name, where))
    print("%s: %d reports valid, %d paths declared and seen" % (name, len(reports), len(declared)))


def main():
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    schemas = {}
    for name in ("ntpsweep-report-1", "ntpsweep-inventory-1"):
        with open(os.path.join(source, "docs", "schema", name + ".schema.json")) as f:
            schemas[name] = json.load(f)
        Draft202012Validator.check_schema(schemas[name])
    tmp = tempfile.mkdtemp(prefix="ntpsweep-schema-")
    try:
        reports = [("scan of fixtures/", scan(binary, ["fixtures"], source))]
        reports += baseline_reports(binary, tmp)
        names, inventories = names_report(binary, tmp)
        reports += names
        for what, report in reports:
            if report.get("schema_version") != 1:
                fail("%s: schema_version is %r, want 1" % (what, report.get("schema_version")))
        check("report schema", schemas["ntpsweep-report-1"], reports, free=("stats.skipped",))
        inventories.insert(0, ("inventory of fixtures/",
                               run(binary, ["inventory", "--format", "json", "fixtures"], source)))
        check("inventory schema", schemas["ntpsweep-inventory-1"], inventories)
    finally:
        shutil.rmtree(tmp)
    if failures:
        print("%d failures" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
