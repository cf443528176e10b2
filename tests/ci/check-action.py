#!/usr/bin/env python3
"""action.yml, the example workflow and .pre-commit-hooks.yaml, parsed (python3-yaml) and checked.

action.yml: runs ntpsweep from its container image (pulled, or built once from the Dockerfile and
kept in the actions cache), installs and compiles nothing on the runner, scans once for both the
SARIF log and the annotations, uploads with upload-sarif at a current major version with the
category; every input is used, values reach scripts through env (no `${{ }}` in run:), every
script is valid bash. The scan step's script is run with a stand-in `docker` that records its
arguments: the scan inside the image gets the hosts, the mounts, the runner's user, and
--format github with --output-sarif (one scan) or --format sarif -o without annotations.
The example workflow uploads the same way. .pre-commit-hooks.yaml has the system hook and one
that installs itself (language docker, built from the Dockerfile).

usage: check-action.py SOURCE-DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

failures = []
CURRENT_UPLOAD_MAJOR = 4  # github/codeql-action's current major version


def check(ok, message):
    if not ok:
        failures.append(message)
        print("FAIL: " + message)


def upload_steps(steps):
    out = []
    for step in steps:
        uses = step.get("uses", "")
        if uses.startswith("github/codeql-action/upload-sarif@"):
            out.append(step)
    return out


def check_upload(where, steps, category):
    uploads = upload_steps(steps)
    check(len(uploads) == 1, "%s: %d upload-sarif steps, want 1" % (where, len(uploads)))
    for step in uploads:
        version = step["uses"].split("@", 1)[1]
        major = re.fullmatch(r"v(\d+)", version)
        check(major and int(major.group(1)) >= CURRENT_UPLOAD_MAJOR,
              "%s: upload-sarif@%s, want @v%d" % (where, version, CURRENT_UPLOAD_MAJOR))
        check(step.get("with", {}).get("category") == category,
              "%s: upload-sarif category is %r, want %r" % (where, step.get("with", {}).get("category"),
                                                           category))


def check_scripts(where, steps):
    for n, step in enumerate(steps):
        script = step.get("run")
        if script is None:
            continue
        check("${{" not in script, "%s: step %d (%s) has ${{ }} in run: (pass it through env)"
              % (where, n + 1, step.get("name")))
        proc = subprocess.run(["bash", "-n"], input=script.encode(), capture_output=True)
        check(proc.returncode == 0, "%s: step %s is not valid bash: %s" %
              (where, step.get("name"), proc.stderr.decode()))


FAKE_DOCKER = """#!/usr/bin/env bash
printf '%s\\0' "$@" > "$DOCKER_ARGS"
exit 1
"""


def run_scan_step(step, env_values, tmp):
    """The scan step's script with a stand-in docker; the arguments docker got."""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)
    with open(os.path.join(bindir, "docker"), "w") as f:
        f.write(FAKE_DOCKER)
    os.chmod(os.path.join(bindir, "docker"), 0o755)
    workspace, runner_temp = os.path.join(tmp, "workspace"), os.path.join(tmp, "runner-temp")
    for d in (workspace, runner_temp):
        os.makedirs(d, exist_ok=True)
    files = {k: os.path.join(tmp, k) for k in ("output", "summary", "args")}
    for path in files.values():
        open(path, "w").close()
    env = dict(os.environ, PATH=bindir + ":" + os.environ["PATH"], GITHUB_WORKSPACE=workspace,
               RUNNER_TEMP=runner_temp, GITHUB_OUTPUT=files["output"],
               GITHUB_STEP_SUMMARY=files["summary"], DOCKER_ARGS=files["args"])
    for key, value in step.get("env", {}).items():
        expr = re.fullmatch(r"\$\{\{\s*([\w.-]+)\s*\}\}", str(value))
        env[key] = env_values.get(expr.group(1), "") if expr else str(value)
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                          cwd=workspace, env=env, capture_output=True)
    check(proc.returncode == 0, "scan step failed: %s" % proc.stderr.decode())
    args = open(files["args"], "rb").read().decode().split("\0")[:-1]
    outputs = open(files["output"]).read()
    return args, outputs, workspace, runner_temp


def check_action(source, tmp):
    with open(os.path.join(source, "action.yml")) as f:
        action = yaml.safe_load(f)
    runs = action["runs"]
    check(runs.get("using") == "composite", "action.yml: runs.using is %r" % runs.get("using"))
    steps = runs["steps"]
    scripts = "\n".join(s.get("run", "") for s in steps)
    for pattern in (r"apt-get\s+install", r"\bcmake\s+(-S|-B|--build|--install)", r"\bninja\b",
                    r"(^|[;&|(\s])make(\s|$)", r"\b(g|c)\+\+\s", r"pip3?\s+install", r"\bnpm\s"):
        check(not re.search(pattern, scripts, re.M),
              "action.yml installs or compiles on the runner: %s" % pattern)
    check(scripts.count("docker run") == 1, "action.yml: %d `docker run`, want one scan" %
          scripts.count("docker run"))
    check(scripts.count("ntpsweep scan") == 0, "action.yml runs ntpsweep outside the image")
    # The image: pulled, or loaded from the cache, or built once from the Dockerfile.
    caches = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    check(len(caches) == 1, "action.yml: no actions/cache step for the built image")
    image_step = next((s for s in steps if s.get("id") == "image"), {})
    for command in ("docker pull", "docker load", "docker build", "docker save"):
        check(command in image_step.get("run", ""), "action.yml: the image step has no %s" % command)
    key_step = next((s for s in steps if s.get("id") == "key"), {})
    check("Dockerfile" in key_step.get("run", "") and "sha256sum" in key_step.get("run", ""),
          "action.yml: the cache key is not a hash of what the Dockerfile builds from")
    # Inputs: each one used, none used that is not declared.
    text = open(os.path.join(source, "action.yml")).read()
    used = set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)", text))
    declared = set(action["inputs"])
    check(used == declared, "action.yml: inputs declared but unused %s, used but undeclared %s"
          % (sorted(declared - used), sorted(used - declared)))
    check_scripts("action.yml", steps)
    check_upload("action.yml", steps, "${{ inputs.category }}")
    upload = upload_steps(steps)[0] if upload_steps(steps) else {}
    check(upload.get("with", {}).get("sarif_file") == "${{ inputs.sarif }}",
          "action.yml: upload-sarif does not upload the scan's log")

    scan = next(s for s in steps if s.get("id") == "scan")
    values = {"steps.image.outputs.ref": "ntpsweep:test", "inputs.hosts": "10.20.30.40\nntp-old.corp.example.com",
              "inputs.paths": "etc docs", "inputs.config": "", "inputs.baseline": "base.sarif",
              "inputs.fail-on": "warning", "inputs.fail-on-new-only": "true",
              "inputs.changed-since": "", "inputs.category": "ntpsweep", "inputs.sarif": "ntpsweep.sarif",
              "inputs.annotations": "true", "inputs.extra-args": "--exclude vendor/**"}
    args, outputs, workspace, runner_temp = run_scan_step(scan, values, tmp)
    check(args[:1] == ["run"], "docker %s" % args[:1])
    image_at = args.index("ntpsweep:test") if "ntpsweep:test" in args else -1
    check(image_at > 0, "the scan does not run the image: %s" % args)
    options, inner = args[1:image_at], args[image_at + 1:]
    joined = " ".join(options)
    check("--user %d:%d" % (os.getuid(), os.getgid()) in joined, "docker run is not the runner's user")
    check("--volume %s:%s" % (workspace, workspace) in joined, "the workspace is not mounted at its path")
    check("--volume %s:%s" % (runner_temp, runner_temp) in joined, "RUNNER_TEMP is not mounted")
    check("--workdir %s" % workspace in joined, "the scan does not run in the workspace")
    check(inner[:1] == ["scan"], "the image runs %s, not scan" % inner[:1])
    want_pairs = [("--host", "10.20.30.40"), ("--host", "ntp-old.corp.example.com"),
                  ("--baseline", "base.sarif"), ("--format", "github"),
                  ("--output-sarif", "ntpsweep.sarif"), ("--category", "ntpsweep"),
                  ("--fail-on", "warning"), ("--exclude", "vendor/**")]
    for flag, value in want_pairs:
        check(any(inner[i] == flag and inner[i + 1] == value for i in range(len(inner) - 1)),
              "the scan lacks %s %s: %s" % (flag, value, inner))
    check("--fail-on-new-only" in inner, "the scan lacks --fail-on-new-only")
    check(inner[-2:] == ["etc", "docs"], "the scan's operands are %s" % inner[-2:])
    check("exit-code=1" in outputs, "the scan step's outputs: %r" % outputs)
    # Without annotations: the SARIF log on the report output instead.
    values["inputs.annotations"] = "false"
    args, _, _, _ = run_scan_step(scan, values, tmp)
    inner = args[args.index("ntpsweep:test") + 1:] if "ntpsweep:test" in args else []
    check("--format sarif -o ntpsweep.sarif" in " ".join(inner) and "github" not in inner,
          "annotations off: the scan is %s" % inner)


def check_workflow(source):
    with open(os.path.join(source, "examples", "github", "ntpsweep.yml")) as f:
        workflow = yaml.safe_load(f)
    steps = workflow["jobs"]["ntpsweep"]["steps"]
    check_scripts("examples/github/ntpsweep.yml", steps)
    check_upload("examples/github/ntpsweep.yml", steps, "ntpsweep")
    # Its install step builds from source: it installs every library the Dockerfile builds with.
    install = next((s for s in steps if s.get("id") == "install"), {}).get("run", "")
    dockerfile = open(os.path.join(source, "Dockerfile")).read()
    stages = re.split(r"^FROM ", dockerfile, flags=re.M)
    check(len(stages) == 3, "the Dockerfile has %d stages, want build and runtime" % (len(stages) - 1))
    build_stage = stages[1]
    for dev in sorted(set(re.findall(r"\b(lib[\w.+-]+-dev|nlohmann-json3-dev)\b", build_stage))):
        if dev == "libvectorscan-dev":  # the Dockerfile's choice off amd64; runners are amd64
            continue
        check(re.search(r"\b%s\b" % re.escape(dev), install),
              "the example workflow's install step lacks %s (the Dockerfile builds with it)" % dev)
    perms = workflow.get("permissions", {})
    check(perms.get("security-events") == "write", "the example workflow cannot upload SARIF")


def check_hooks(source):
    with open(os.path.join(source, ".pre-commit-hooks.yaml")) as f:
        hooks = {h["id"]: h for h in yaml.safe_load(f)}
    check(set(hooks) == {"ntpsweep", "ntpsweep-docker"}, "hooks: %s" % sorted(hooks))
    system, docker = hooks.get("ntpsweep", {}), hooks.get("ntpsweep-docker", {})
    check(system.get("language") == "system", "the ntpsweep hook is not language: system")
    check(docker.get("language") == "docker", "the ntpsweep-docker hook does not install itself")
    for hook in (system, docker):
        check(hook.get("entry", "").split()[:2] == ["ntpsweep", "scan"],
              "hook %s runs %r" % (hook.get("id"), hook.get("entry")))
        check(hook.get("pass_filenames") is True, "hook %s does not get the files" % hook.get("id"))
    # language: docker builds the repository's Dockerfile and runs the entry in /src: the image
    # must put ntpsweep on PATH and work in /src.
    dockerfile = open(os.path.join(source, "Dockerfile")).read()
    check("/usr/local/bin/ntpsweep" in dockerfile and "WORKDIR /src" in dockerfile,
          "the Dockerfile does not install ntpsweep on PATH with /src as workdir")


def main():
    source = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="ntpsweep-action-")
    try:
        check_action(source, tmp)
        check_workflow(source)
        check_hooks(source)
    finally:
        shutil.rmtree(tmp)
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("action.yml, the example workflow and the pre-commit hooks: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
