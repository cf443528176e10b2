"""Reads the Multitool's findings about a SARIF file and validates the file against the JSON
schema. Prints every problem; exits 1 when there is any error or warning."""
import json
import sys

import jsonschema


def main(sarif_path, multitool_output, schema_path):
    problems = []
    with open(multitool_output, encoding="utf-8") as f:
        validation = json.load(f)
    for run in validation.get("runs", []):
        for result in run.get("results", []):
            # The Multitool's results default to "warning" when they carry no level.
            level = result.get("level", "warning")
            if level in ("error", "warning"):
                problems.append("multitool %s %s: %s" % (level, result.get("ruleId"),
                                                        result["message"].get("text", "")))
        for inv in run.get("invocations", []):
            for n in inv.get("toolExecutionNotifications", []):
                if n.get("level") == "error":
                    problems.append("multitool could not analyse: %s" % n["message"]["text"])
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    with open(sarif_path, encoding="utf-8") as f:
        log = json.load(f)
    validator_class = jsonschema.validators.validator_for(schema)
    for err in validator_class(schema).iter_errors(log):
        path = "/".join(str(p) for p in err.absolute_path)
        problems.append("schema: %s: %s" % (path or "(root)", err.message))
    for p in problems:
        print("%s: %s" % (sarif_path, p))
    if not problems:
        print("%s: valid (SARIF Multitool GitHub policy, %s)" % (sarif_path, schema_path.split("/")[-1]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
