#!/usr/bin/env python3
"""200 user rule files for the many-rules benchmark case: gen-rules.py OUTDIR [--count 200].

The kind of rule pack an organisation writes for its own appliances and in-house tools (see
docs/rules.md): directive rules that reuse the built-in readers (chrony, ntp-conf, systemd-ini,
shell-vars, yaml, json) for made-up products under their own paths, and regex rules for formats
no reader knows. Some have broad paths or a sniff regex, as real ones do; every rule carries an
example that `ntpsweep rules test` runs. Deterministic: file i is always the same.
"""
import argparse
import os

PRODUCTS = ("acme-timed nimbus-clock orbit-ntp tempo-agent quartz-sync helix-time cobalt-edge "
            "vertex-gw lumen-appliance stratus-os krypton-rtr pulsar-cam atlas-lb juno-storage "
            "mercury-ups zephyr-switch onyx-pbx titan-nas aurora-kiosk boreal-hmi").split()


def header(rid, name, short, severity="warning"):
    return (f"  - id: {rid}\n"
            f"    name: {name}\n"
            f"    short: {short}\n"
            f"    full: >-\n"
            f"      {short[0].upper() + short[1:]}. Written by the platform team for its fleet; the\n"
            f"      benchmark carries 200 such files.\n"
            f"    help: |\n"
            f"      **What to do:** replace the host with the new time server and redeploy.\n"
            f"    message: \"{{host}}{{alias}} is the old time server ({name})\"\n"
            f"    severity: {severity}\n"
            f"    tags: [ntp, in-house, decommission]\n"
            f"    precision: high\n"
            f"    security-severity: \"5.0\"\n")


def rule(i):
    """The YAML text of rule file i."""
    p = PRODUCTS[i % len(PRODUCTS)]
    v = i // len(PRODUCTS)  # product variant: another path, another directive set
    rid = f"corp-{p}-{i:03d}"
    name = "".join(w.capitalize() for w in p.split("-")) + f"Time{i:03d}"
    kind = i % 8
    sniff = f"      sniff: '(?m)^\\s*{p.split('-')[0]}[_-]?time'\n" if i % 5 == 0 else ""
    if kind == 0:  # chrony-like daemon config with its own directive names
        body = (f"    files:\n      paths: ['**/{p}/{p}.conf', '**/{p}/conf.d/*.conf', '**/opt/{p}*/etc/*.conf']\n{sniff}"
                f"    match:\n      syntax: chrony\n      directives: [upstream, timesource{v}]\n      ignore_case: true\n      hosts: first\n"
                f"    examples:\n      - path: etc/{p}/{p}.conf\n        text: |\n          upstream 10.0.0.1 iburst\n"
                f"          upstream 10.0.0.10 iburst\n          timesource{v} ntp1.corp.example.com\n        match: [1, 3]\n")
    elif kind == 1:  # an appliance that writes ntp.conf under its own name
        body = (f"    files:\n      paths: ['**/{p}-ntp.conf', '**/{p}/ntp/*.conf']\n{sniff}"
                f"    match:\n      syntax: ntp-conf\n      directives: [server, timehost{v}]\n      hosts: first\n      skip_flags: ['-4', '-6']\n"
                f"    examples:\n      - path: etc/{p}-ntp.conf\n        text: |\n          server -4 10.0.0.1 iburst\n"
                f"          timehost{v} fd00::123\n          server 10.0.0.2\n        match: [1, 2]\n")
    elif kind == 2:  # INI with a section
        body = (f"    files:\n      paths: ['**/{p}.ini', '**/{p}.d/*.ini', '**/{p}/*.cfg']\n{sniff}"
                f"    match:\n      syntax: systemd-ini\n      section: Clock{v}\n      keys: [Servers, Fallback]\n      hosts: all\n      split: ','\n"
                f"    examples:\n      - path: etc/{p}.ini\n        text: |\n          [Clock{v}]\n          Servers=10.0.0.5,10.0.0.1\n"
                f"          Fallback=ntp1.corp.example.com\n          [Other]\n          Servers=10.0.0.1\n        match: [2, 3]\n")
    elif kind == 3:  # /etc/default-style variables
        var = p.split("-")[0].upper() + f"_NTP_SERVERS{v}"
        body = (f"    files:\n      paths: ['**/default/{p}', '**/sysconfig/{p}', '**/{p}/env']\n{sniff}"
                f"    match:\n      syntax: shell-vars\n      keys: [{var}]\n      hosts: all\n"
                f"    examples:\n      - path: etc/default/{p}\n        text: |\n          {var}=\"10.0.0.1 ntp2.corp.example.com\"\n"
                f"          OTHER=\"10.0.0.1\"\n        match: [1]\n")
    elif kind == 4:  # YAML settings of an in-house service
        key = p.split("-")[0]
        body = (f"    files:\n      paths: ['**/{p}/*.yaml', '**/{p}/*.yml', '**/charts/{p}/values*.yaml']\n{sniff}"
                f"    match:\n      syntax: yaml\n      key_paths: ['**.{key}.clock{v}.upstreams[]', '**.{key}.clock{v}.primary']\n      hosts: first\n"
                f"    examples:\n      - path: deploy/{p}/settings.yaml\n        text: |\n          {key}:\n            clock{v}:\n"
                f"              primary: 10.0.0.1\n              upstreams:\n                - 10.0.0.9\n                - ntp1.corp.example.com\n"
                f"        match: [3, 6]\n")
    elif kind == 5:  # JSON settings
        key = p.split("-")[0]
        body = (f"    files:\n      paths: ['**/{p}/*.json', '**/{p}.json']\n{sniff}"
                f"    match:\n      syntax: json\n      key_paths: ['**.{key}.timeSources{v}[]']\n      hosts: first\n"
                f"    examples:\n      - path: etc/{p}.json\n        text: |\n          {{\"{key}\": {{\"timeSources{v}\": [\"10.0.0.1\", \"10.0.0.3\"],\n"
                f"            \"name\": \"10.0.0.1\"}}}}\n        match: [1]\n")
    elif kind == 6:  # a properties format no reader knows: regex with a named group
        key, key_re = p.replace("-", "."), p.replace("-", r"\.")
        body = (f"    files:\n      paths: ['**/{p}*.properties', '**/{p}/*.properties', '**/*.{p.split('-')[0]}.conf']\n{sniff}"
                f"    match:\n      regex: '{key_re}\\.time\\.server{v}\\s*[=:]\\s*(?P<host>[^\\s,#]+)'\n      comment: '#'\n"
                f"    examples:\n      - path: conf/{p}.properties\n        text: |\n          {key}.time.server{v}=10.0.0.1\n"
                f"          {key}.time.server{v} = 10.0.0.11\n          # {key}.time.server{v}=ntp1.corp.example.com\n        match: [1, 3]\n")
    else:  # a command-line flag in any script or unit, regex with {host}: broad paths
        flag = f"--{p.split('-')[0]}-time-server{v}"
        body = (f"    files:\n      paths: ['**/*.sh', '**/*.service', '**/bin/*', '**/sbin/*']\n{sniff}"
                f"    match:\n      regex: '{flag}[= ]{{host}}'\n"
                f"    examples:\n      - path: usr/local/bin/start-{p}\n        text: |\n          exec /opt/{p}/bin/{p} {flag}=10.0.0.1 --port 123\n"
                f"          exec /opt/{p}/bin/{p} {flag} 10.0.0.12\n        match: [1]\n")
    return (f"# In-house rule {i:03d}: {p} (generated by bench/gen-rules.py)\nrules:\n"
            + header(rid, name, f"{p} names the old time server") + body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=200)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    for i in range(a.count):
        with open(os.path.join(a.outdir, f"{i:03d}-{PRODUCTS[i % len(PRODUCTS)]}.yaml"), "w") as f:
            f.write(rule(i))


if __name__ == "__main__":
    main()
