#!/usr/bin/env python3
"""Synthetic repositories of a made-up organisation, for bench/run.sh.

    gen-synthetic.py OUTDIR [--files 200000] [--seed 11] [--manifest FILE]

~200k small files (configs, templates, scripts, docs, YAML, JSON, HCL, Dockerfiles, code) in
four quarters OUTDIR/q0..q3 of equal size, so that peak RSS can be read at 1x, 2x and 4x input.
Most files name no target; a few hundred name one of the benchmark targets in the place that
file type would (a chrony line, a cloud-init list, a Terraform default, a script's ntpdate...),
and a few hundred carry near-miss decoys (10.20.30.400, 110.20.30.40,
ntp-old.corp.example.com.au, fd00::1234) that must not be reported. The same seed gives the
same bytes. The manifest (TSV: kind, path, line, value) lists every planted and decoy line.
"""
import argparse
import os
import random

TARGETS = ["10.20.30.40", "ntp-old.corp.example.com", "fd00::123"]
# How the targets are spelled where they are planted (all findable by `rg -i -F`, except the last
# two, which only a matcher that compares values finds).
PLANT_SPELLINGS = {
    "10.20.30.40": ["10.20.30.40", "10.20.30.40", "10.20.30.40:123", "10.20.30.40"],
    "ntp-old.corp.example.com": ["ntp-old.corp.example.com", "NTP-OLD.corp.example.com",
                                 "ntp-old.corp.example.com", "ntp-old.corp.example.com."],
    "fd00::123": ["fd00::123", "FD00::123", "fd00::123"],
}
VALUE_ONLY_SPELLINGS = ["fd00:0:0::123", "FD00:0000::0123"]
DECOYS = ["10.20.30.400", "110.20.30.40", "10.20.30.41", "10.20.30.40.5",
          "ntp-old.corp.example.com.au", "xntp-old.corp.example.com", "ntp-old.corp.example.co",
          "fd00::1234", "fd00::123:5"]
BENIGN_NTP = ["ntp1.acme.internal", "ntp2.acme.internal", "time.acme.internal", "10.20.31.40",
              "10.21.30.40", "0.debian.pool.ntp.org", "1.debian.pool.ntp.org", "time.cloudflare.com",
              "169.254.169.123", "time.google.com", "fd00::124", "ntp-new.corp.example.com",
              "2.pool.ntp.org", "ntp.ubuntu.com"]

WORDS = ("account api audit auth backup billing cache catalog checkout cluster config core data "
         "deploy edge event feed gateway graph identity index ingest inventory invoice ledger "
         "logging mail media metrics monitor notify order payment pipeline platform portal "
         "profile proxy queue report search session shipping storage stream sync tenant "
         "ticket user vault web worker").split()
ENVS = ["dev", "staging", "prod", "qa", "eu-west-1", "us-east-1", "lab"]
TEAMS = ["platform", "sre", "payments", "identity", "data", "edge", "mobile", "infra"]
SENTENCES = [
    "This service is deployed by the platform pipeline on every merge to main.",
    "Secrets are read from Vault at start-up; never commit them here.",
    "Run the integration tests locally before opening a pull request.",
    "Metrics are exported on port 9100 and scraped every 30 seconds.",
    "The on-call rotation owns alerts from this component; see the runbook.",
    "Configuration is layered: defaults, then the environment file, then flags.",
    "Logs are shipped to the central cluster and kept for thirty days.",
    "Rollbacks are automatic when the error budget burns faster than 2x.",
    "Clock skew above 500 ms breaks token validation, so every host runs a time daemon.",
    "Images are rebuilt weekly to pick up security updates from the base layer.",
    "Use the staging environment for load tests; production is rate limited.",
    "Database migrations run before the new version receives traffic.",
]


class Gen:
    """One file's text from its kind; `ntp` is the time server the file names, if any."""

    def __init__(self, rng):
        self.r = rng

    def w(self):
        return self.r.choice(WORDS)

    def ip(self):
        r = self.r
        return "10.%d.%d.%d" % (r.randint(40, 250), r.randint(0, 255), r.randint(1, 254))

    def para(self, n=3):
        return " ".join(self.r.choice(SENTENCES) for _ in range(n))

    # Each returns a list of lines. The NTP line, when there is one, is placed among them.
    def chrony(self, ntp):
        r = self.r
        lines = ["# chrony.conf managed by configuration management; local edits are lost",
                 "driftfile /var/lib/chrony/chrony.drift", "makestep 1.0 3", "rtcsync",
                 "logdir /var/log/chrony", "leapsectz right/UTC"]
        for s in r.sample(BENIGN_NTP, 2):
            lines.insert(1, "server %s iburst" % s)
        lines.insert(r.randint(1, len(lines)), "server %s iburst" % ntp if ntp else "keyfile /etc/chrony/chrony.keys")
        return lines

    def ntpconf(self, ntp):
        lines = ["# /etc/ntp.conf", "driftfile /var/lib/ntp/ntp.drift",
                 "restrict -4 default kod notrap nomodify nopeer noquery limited",
                 "restrict 127.0.0.1", "restrict ::1"]
        lines.insert(2, "server %s iburst" % (ntp or self.r.choice(BENIGN_NTP)))
        return lines

    def ansible_defaults(self, ntp):
        r = self.r
        role = self.w()
        lines = ["---", "# defaults for the %s role" % role, "%s_enabled: true" % role,
                 "%s_port: %d" % (role, r.randint(1024, 65000)), "%s_user: svc-%s" % (role, role),
                 "%s_packages:" % role] + ["  - %s-%s" % (role, self.w()) for _ in range(r.randint(1, 4))]
        if ntp or r.random() < 0.3:
            lines += ["ntp_servers:", "  - %s" % (ntp or r.choice(BENIGN_NTP)), "  - %s" % r.choice(BENIGN_NTP)]
        return lines

    def ansible_tasks(self, ntp):
        r = self.r
        lines = ["---"]
        for _ in range(r.randint(2, 6)):
            p = self.w()
            lines += ["- name: install %s" % p, "  ansible.builtin.apt:", "    name: %s" % p,
                      "    state: present", "  become: true", ""]
        lines += ["- name: render config", "  ansible.builtin.template:",
                  "    src: %s.conf.j2" % self.w(), "    dest: /etc/%s/%s.conf" % (self.w(), self.w()),
                  "    mode: '0644'", "  notify: restart %s" % self.w()]
        if ntp:
            lines += ["", "- name: step the clock once", "  ansible.builtin.command: ntpdate -u %s" % ntp,
                      "  changed_when: false"]
        return lines

    def j2(self, ntp):
        r = self.r
        lines = ["# {{ ansible_managed }}", "{% for s in ntp_servers %}", "server {{ s }} iburst",
                 "{% endfor %}", "driftfile /var/lib/chrony/chrony.drift", "makestep 1.0 3"]
        if ntp:
            lines.insert(4, "server {{ ntp_fallback | default('%s') }} iburst" % ntp)
        lines += ["# %s" % r.choice(SENTENCES)]
        return lines

    def cloudinit(self, ntp):
        r = self.r
        lines = ["#cloud-config", "hostname: %s-%s-%02d" % (self.w(), r.choice(ENVS), r.randint(1, 40)),
                 "package_update: true", "packages:"] + ["  - %s" % self.w() for _ in range(3)]
        lines += ["users:", "  - name: deploy", "    groups: sudo", "    shell: /bin/bash",
                  "    ssh_authorized_keys:", "      - ssh-ed25519 AAAAC3Nza%08x deploy@acme" % r.getrandbits(32)]
        if ntp or r.random() < 0.3:
            lines += ["ntp:", "  enabled: true", "  servers:", "    - %s" % (ntp or r.choice(BENIGN_NTP))]
        lines += ["runcmd:", "  - [systemctl, enable, --now, %s]" % self.w()]
        return lines

    def k8s(self, ntp):
        r = self.r
        name = "%s-%s" % (self.w(), self.w())
        lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: %s" % name,
                 "  labels:", "    app: %s" % name, "    team: %s" % r.choice(TEAMS), "spec:",
                 "  replicas: %d" % r.randint(1, 6), "  selector:", "    matchLabels:", "      app: %s" % name,
                 "  template:", "    spec:", "      containers:", "        - name: %s" % name,
                 "          image: registry.acme.internal/%s:%d.%d.%d" % (name, r.randint(0, 4), r.randint(0, 30), r.randint(0, 9)),
                 "          ports:", "            - containerPort: %d" % r.choice([8080, 8443, 9000, 3000]),
                 "          env:", "            - name: LOG_LEVEL", "              value: %s" % r.choice(["info", "debug", "warn"])]
        if ntp:
            lines += ["            - name: NTP_SERVER", "              value: \"%s\"" % ntp]
        lines += ["          resources:", "            limits:", "              memory: %dMi" % r.choice([128, 256, 512, 1024])]
        return lines

    def compose(self, ntp):
        r = self.r
        lines = ["services:"]
        for _ in range(r.randint(1, 4)):
            s = self.w()
            lines += ["  %s:" % s, "    image: registry.acme.internal/%s:latest" % s, "    restart: unless-stopped",
                      "    environment:", "      - DB_HOST=%s" % self.ip()]
            if ntp:
                lines.append("      - NTP_SERVER=%s" % ntp)
                ntp = None
        return lines

    def dockerfile(self, ntp):
        r = self.r
        lines = ["FROM debian:bookworm-slim", "ARG VERSION=%d.%d" % (r.randint(0, 9), r.randint(0, 99)),
                 "RUN apt-get update && apt-get install -y --no-install-recommends %s %s && rm -rf /var/lib/apt/lists/*" % (self.w(), self.w())]
        if ntp:
            lines.append("RUN echo 'server %s iburst' > /etc/chrony/chrony.conf" % ntp)
        lines += ["COPY %s /opt/%s/" % (self.w(), self.w()), "USER 1000", "EXPOSE %d" % r.choice([80, 8080, 9090]),
                  "ENTRYPOINT [\"/opt/app/bin/%s\"]" % self.w()]
        return lines

    def terraform(self, ntp):
        r = self.r
        lines = []
        for _ in range(r.randint(1, 4)):
            n = self.w()
            lines += ['variable "%s_instance_type" {' % n, '  type    = string', '  default = "t3.%s"' % r.choice(["small", "medium", "large"]), '}', '',
                      'resource "aws_instance" "%s" {' % n, '  ami           = "ami-%012x"' % r.getrandbits(48),
                      '  instance_type = var.%s_instance_type' % n, '  subnet_id     = aws_subnet.%s.id' % self.w(),
                      '  tags = {', '    Name = "%s-%s"' % (n, r.choice(ENVS)), '    Team = "%s"' % r.choice(TEAMS), '  }', '}', '']
        if ntp:
            lines += ['variable "ntp_server" {', '  description = "time source for the fleet"',
                      '  default     = "%s"' % ntp, '}']
        return lines

    def packer(self, ntp):
        r = self.r
        lines = ['source "amazon-ebs" "%s" {' % self.w(), '  region        = "%s"' % r.choice(["eu-west-1", "us-east-1"]),
                 '  instance_type = "t3.small"', '  ssh_username  = "admin"', '}', '', 'build {',
                 '  sources = ["source.amazon-ebs.%s"]' % self.w(), '  provisioner "shell" {', '    inline = [',
                 '      "sudo apt-get update",', '      "sudo apt-get install -y chrony %s",' % self.w()]
        if ntp:
            lines.append('      "echo \'server %s iburst\' | sudo tee /etc/chrony/chrony.conf",' % ntp)
        lines += ['    ]', '  }', '}']
        return lines

    def json_cfg(self, ntp):
        r = self.r
        items = ['  "service": "%s-%s"' % (self.w(), self.w()), '  "port": %d' % r.randint(1024, 65000),
                 '  "logLevel": "%s"' % r.choice(["info", "debug"]), '  "db": {"host": "%s", "pool": %d}' % (self.ip(), r.randint(2, 50)),
                 '  "features": [%s]' % ", ".join('"%s"' % self.w() for _ in range(r.randint(1, 5))),
                 '  "owner": "%s"' % r.choice(TEAMS)]
        if ntp:
            items.insert(r.randint(0, len(items)), '  "ntpServers": ["%s"]' % ntp)
        return ["{"] + [i + "," for i in items[:-1]] + [items[-1], "}"]

    def package_json(self, ntp):
        r = self.r
        deps = ",\n".join('    "%s-%s": "^%d.%d.%d"' % (self.w(), self.w(), r.randint(0, 9), r.randint(0, 20), r.randint(0, 9)) for _ in range(r.randint(2, 10)))
        lines = ['{', '  "name": "@acme/%s"' % self.w() + ',', '  "version": "1.%d.0",' % r.randint(0, 40), '  "private": true,',
                 '  "scripts": {"test": "jest", "build": "tsc -p ."},', '  "dependencies": {', deps, '  }', '}']
        if ntp:
            lines.insert(4, '  "config": {"ntpServer": "%s"},' % ntp)
        return lines

    def shell(self, ntp):
        r = self.r
        lines = ["#!/usr/bin/env bash", "# %s" % r.choice(SENTENCES), "set -euo pipefail", "",
                 'SERVICE="%s"' % self.w(), 'ENVIRONMENT="${ENVIRONMENT:-%s}"' % r.choice(ENVS), ""]
        for _ in range(r.randint(1, 5)):
            lines += ["if ! systemctl is-active --quiet \"$SERVICE\"; then",
                      "  echo \"restarting $SERVICE in $ENVIRONMENT\" >&2",
                      "  systemctl restart \"$SERVICE\"", "fi"]
        if ntp:
            lines.insert(r.randint(4, len(lines)), "ntpdate -u %s || true" % ntp)
        lines += ["curl -fsS http://%s:%d/health >/dev/null" % (self.ip(), r.choice([8080, 9000]))]
        return lines

    def python(self, ntp):
        r = self.r
        lines = ['"""%s"""' % r.choice(SENTENCES), "import logging", "import os", "", "log = logging.getLogger(__name__)", ""]
        if ntp:
            lines += ['NTP_HOST = os.environ.get("NTP_HOST", "%s")' % ntp, ""]
        for _ in range(r.randint(1, 5)):
            f = self.w()
            lines += ["", "def %s_%s(payload, retries=%d):" % (f, self.w(), r.randint(1, 5)),
                      '    """%s"""' % r.choice(SENTENCES), "    for attempt in range(retries):",
                      '        log.debug("%s attempt %%d", attempt)' % f, "        if payload.get(%r):" % self.w(),
                      "            return payload", "    return None"]
        return lines

    def markdown(self, ntp):
        r = self.r
        lines = ["# %s %s" % (self.w().capitalize(), self.w()), "", self.para(3), "", "## Operations", "",
                 self.para(2), "", "- owner: %s" % r.choice(TEAMS), "- environments: %s" % ", ".join(r.sample(ENVS, 3)), ""]
        if ntp:
            lines.insert(r.randint(2, len(lines)), "Hosts take their time from `%s`; see the time runbook." % ntp)
        lines += ["## Runbook", "", self.para(4)]
        return lines

    def ini(self, ntp):
        r = self.r
        lines = ["[main]", "name = %s" % self.w(), "workers = %d" % r.randint(1, 32), "", "[database]",
                 "host = %s" % self.ip(), "port = 5432", "", "[log]", "level = info"]
        if ntp:
            lines += ["", "[time]", "server = %s" % ntp]
        return lines

    def env(self, ntp):
        r = self.r
        lines = ["APP_NAME=%s" % self.w(), "APP_ENV=%s" % r.choice(ENVS), "DB_HOST=%s" % self.ip(),
                 "CACHE_TTL=%d" % r.randint(10, 3600)]
        if ntp:
            lines.append("NTP_SERVER=%s" % ntp)
        return lines

    def systemd_unit(self, ntp):
        s = self.w()
        lines = ["[Unit]", "Description=%s %s service" % (s, self.w()), "After=network-online.target", "",
                 "[Service]", "User=svc-%s" % s, "ExecStart=/opt/%s/bin/%s --config /etc/%s.yaml" % (s, s, s),
                 "Restart=on-failure", "", "[Install]", "WantedBy=multi-user.target"]
        if ntp:
            lines.insert(6, "ExecStartPre=-/usr/sbin/ntpdate -u %s" % ntp)
        return lines

    def nginx(self, ntp):
        r = self.r
        s = self.w()
        lines = ["upstream %s {" % s] + ["    server %s:%d;" % (self.ip(), r.choice([8080, 9000])) for _ in range(r.randint(1, 4))]
        lines += ["}", "", "server {", "    listen 443 ssl;", "    server_name %s.acme.example;" % s,
                  "    location / {", "        proxy_pass http://%s;" % s, "        proxy_set_header Host $host;", "    }", "}"]
        if ntp:
            lines.insert(0, "# time service health probe: %s" % ntp)
        return lines

    def salt(self, ntp):
        lines = ["%s:" % self.w(), "  pkg.installed: []", "  service.running:", "    - enable: True"]
        if ntp or self.r.random() < 0.3:
            lines += ["ntp:", "  ng:", "    settings:", "      ntp_conf:", "        server: ['%s iburst']" % (ntp or self.r.choice(BENIGN_NTP))]
        return lines

    def puppet(self, ntp):
        lines = ["class profile::%s {" % self.w(), "  package { '%s': ensure => installed }" % self.w()]
        if ntp or self.r.random() < 0.3:
            lines += ["  class { 'ntp':", "    servers => ['%s', '%s']," % (ntp or self.r.choice(BENIGN_NTP), self.r.choice(BENIGN_NTP)), "  }"]
        lines += ["}"]
        return lines

    def csv(self, ntp):
        r = self.r
        lines = ["hostname,ip,role,site"]
        for _ in range(r.randint(5, 40)):
            lines.append("%s-%02d,%s,%s,%s" % (self.w(), r.randint(1, 99), self.ip(), self.w(), r.choice(ENVS)))
        if ntp:
            lines.insert(r.randint(1, len(lines)), "ntp-primary,%s,ntp,%s" % (ntp, r.choice(ENVS)))
        return lines


# kind -> (weight, path pattern). {r} repo-local counter, {w} a word.
KINDS = {
    "chrony": (1, "roles/{w}{n}/files/chrony.conf"),
    "ntpconf": (1, "roles/{w}{n}/files/ntp.conf"),
    "ansible_defaults": (5, "roles/{w}{n}/defaults/main.yml"),
    "ansible_tasks": (6, "roles/{w}{n}/tasks/main.yml"),
    "j2": (3, "roles/{w}{n}/templates/{w}.conf.j2"),
    "cloudinit": (2, "cloud-init/{w}-{n}.yaml"),
    "k8s": (10, "deploy/{w}/{w}-{n}.yaml"),
    "compose": (3, "compose/{w}-{n}/docker-compose.yml"),
    "dockerfile": (4, "docker/{w}-{n}/Dockerfile"),
    "terraform": (8, "terraform/{w}/{w}-{n}.tf"),
    "packer": (2, "packer/{w}-{n}.pkr.hcl"),
    "json_cfg": (8, "config/{w}/{w}-{n}.json"),
    "package_json": (3, "web/{w}-{n}/package.json"),
    "shell": (8, "scripts/{w}/{w}-{n}.sh"),
    "python": (12, "src/{w}/{w}_{n}.py"),
    "markdown": (10, "docs/{w}/{w}-{n}.md"),
    "ini": (3, "etc/{w}/{w}-{n}.ini"),
    "env": (2, "env/{w}-{n}.env"),
    "systemd_unit": (3, "systemd/{w}-{n}.service"),
    "nginx": (3, "nginx/sites-available/{w}-{n}.conf"),
    "salt": (2, "salt/{w}/{w}-{n}.sls"),
    "puppet": (2, "puppet/modules/{w}/manifests/{w}{n}.pp"),
    "csv": (1, "inventory/{w}-{n}.csv"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--files", type=int, default=200000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--planted", type=int, default=300)
    ap.add_argument("--decoys", type=int, default=300)
    ap.add_argument("--manifest")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    gen = Gen(rng)
    kinds = list(KINDS)
    weights = [KINDS[k][0] for k in kinds]
    # Which file indexes get a target or a decoy: chosen up front from the same seed.
    special = rng.sample(range(a.files), a.planted + a.decoys)
    planted = set(special[:a.planted])
    decoys = set(special[a.planted:])
    manifest = []
    per_quarter = (a.files + 3) // 4
    repo = None
    for i in range(a.files):
        if repo is None or left == 0:  # a new repository of 200-2000 files
            q = "q%d" % min(i // per_quarter, 3)
            repo = "%s/%s-%s-%d" % (q, rng.choice(WORDS), rng.choice(["svc", "infra", "ops", "config", "web", "lib"]), i)
            left = rng.randint(200, 2000)
            if (i % per_quarter) + left > per_quarter:
                left = per_quarter - (i % per_quarter)
        left -= 1
        kind = rng.choices(kinds, weights)[0]
        ntp = None
        if i in planted:
            t = rng.choice(TARGETS)
            ntp = rng.choice(VALUE_ONLY_SPELLINGS) if rng.random() < 0.03 else rng.choice(PLANT_SPELLINGS[t])
        elif i in decoys:
            ntp = rng.choice(DECOYS)
        lines = getattr(gen, kind)(ntp)
        rel = KINDS[kind][1].format(w=rng.choice(WORDS), n=i)
        path = os.path.join(a.outdir, repo, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        text = "\n".join(lines) + "\n"
        with open(path, "w") as f:
            f.write(text)
        if ntp:
            for no, line in enumerate(lines, 1):
                if ntp in line:
                    manifest.append("%s\t%s/%s\t%d\t%s" % ("planted" if i in planted else "decoy", repo, rel, no, ntp))
    if a.manifest:
        with open(a.manifest, "w") as f:
            f.write("\n".join(manifest) + "\n")


if __name__ == "__main__":
    main()
