#!/usr/bin/env python3
"""The HTML report (--format html) in a real headless browser (Debian's chromium).

Renders a report of fixtures/demo and one of a tree with hostile names, loads each page from a
file:// URL in chromium --headless (no network: the page has a Content-Security-Policy of
default-src 'none' and nothing to fetch), takes a screenshot (a PNG of the window's size with
real content) and reads the page's text from the DOM chromium built (--dump-dom): every
finding's location and line, the counts per server, class and level, and no element a name
could have injected.

usage: check-html-report.py BINARY SOURCE-DIR
"""
import collections
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

DEMO_HOSTS = ["10.20.30.40", "ntp-old.corp.example.com"]
WIDTH, HEIGHT = 1280, 1600
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)
        print("FAIL: " + message)


def ntpsweep(binary, args, cwd):
    proc = subprocess.run([binary] + args, cwd=cwd, capture_output=True)
    if proc.returncode not in (0, 1):
        raise SystemExit("ntpsweep %s: exit %d\n%s" % (" ".join(args), proc.returncode,
                                                        proc.stderr.decode(errors="replace")))
    return proc.stdout


def chromium(args, profile):
    command = ["chromium", "--headless", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--user-data-dir=" + profile]
    # Chromium's sandbox refuses to start as root; only then is it turned off.
    if os.geteuid() == 0:
        command.append("--no-sandbox")
    proc = subprocess.run(command + args, capture_output=True, timeout=180)
    if proc.returncode != 0:
        raise SystemExit("chromium %s: exit %d\n%s" % (" ".join(args), proc.returncode,
                                                        proc.stderr.decode(errors="replace")))
    return proc.stdout.decode()


class Dom(html.parser.HTMLParser):
    """The text a reader sees (no <style>, <title>) and every element's tag."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = collections.Counter()
        self.parts = []
        self.hidden = 0
        self.external = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        if tag in ("style", "title", "script"):
            self.hidden += 1
        for name, value in attrs:
            if name in ("src", "href", "action") and value and not value.startswith("#"):
                self.external.append((tag, name, value))

    def handle_endtag(self, tag):
        if tag in ("style", "title", "script"):
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)

    def text(self):
        return " ".join(" ".join(self.parts).split())


def dump_dom(page, profile):
    dom = Dom()
    dom.feed(chromium(["--dump-dom", "file://" + page], profile))
    return dom


def png_rows(path):
    """Width, height and the distinct scanlines of an 8-bit RGB(A) PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("%s is not a PNG" % path)
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color = header[:4]
    channels = {2: 3, 6: 4}.get(color)
    if depth != 8 or channels is None:
        raise SystemExit("%s: unexpected PNG format (depth %d, color type %d)" % (path, depth, color))
    raw = zlib.decompress(idat)
    stride = 1 + width * channels
    rows = set(raw[i * stride:(i + 1) * stride] for i in range(height))
    return width, height, len(rows)


def screenshot(page, shot, profile):
    chromium(["--hide-scrollbars", "--window-size=%d,%d" % (WIDTH, HEIGHT),
              "--screenshot=" + shot, "file://" + page], profile)
    check(os.path.isfile(shot), "no screenshot was written")
    width, height, distinct = png_rows(shot)
    check((width, height) == (WIDTH, HEIGHT),
          "screenshot is %dx%d, want %dx%d" % (width, height, WIDTH, HEIGHT))
    # A blank or one-colour page has a handful of distinct scanlines; text and bars have many.
    check(distinct > 100, "screenshot has only %d distinct rows: the page looks empty" % distinct)
    print("screenshot %s: %dx%d, %d bytes, %d distinct rows" %
          (shot, width, height, os.path.getsize(shot), distinct))


def demo(binary, source, tmp):
    args = ["scan", "-q"] + [a for h in DEMO_HOSTS for a in ("--host", h)] + ["fixtures/demo"]
    page = os.path.join(tmp, "demo.html")
    with open(page, "wb") as f:
        f.write(ntpsweep(binary, args + ["--format", "html"], source))
    report = json.loads(ntpsweep(binary, args + ["--format", "json"], source))
    findings = report["findings"]
    check(len(findings) > 5, "fixtures/demo has only %d findings" % len(findings))
    raw = open(page, encoding="utf-8").read()
    check("<script" not in raw.lower(), "the page has a <script> element")
    check("default-src 'none'" in raw, "the page has no Content-Security-Policy")
    screenshot(page, os.path.join(tmp, "demo.png"), os.path.join(tmp, "profile"))
    dom = dump_dom(page, os.path.join(tmp, "profile"))
    text = dom.text()
    check(not dom.external, "the page refers outside itself: %s" % dom.external)
    check(dom.tags["svg"] >= 2, "no chart: %d <svg> elements" % dom.tags["svg"])
    n = len(findings)
    check("ntpsweep: %d references to the old time server" % n in text,
          "headline with %d references missing" % n)
    for f in findings:
        where = "%s:%d:%d" % (f["location"], f["line"], f["column"])
        # Each finding is listed once by server and once by repository or image.
        check(text.count(where) == 2, "%s is in the page %d times, want 2" % (where, text.count(where)))
    by_server = collections.Counter(f["target"] for f in findings)
    for host in DEMO_HOSTS:
        levels = collections.Counter(f["severity"] for f in findings if f["target"] == host)
        words = ", ".join("%d %s%s" % (levels[s], s, "" if levels[s] == 1 else "s")
                          for s in ("error", "warning", "note") if levels[s])
        want = "%s %d reference%s (%s)" % (host, by_server[host], "" if by_server[host] == 1 else "s",
                                           words)
        check(want in text, "server heading %r missing" % want)
    # The counts table: one row per class present, then the total.
    for activity in sorted(set(f["activity"] for f in findings)):
        levels = collections.Counter(f["severity"] for f in findings if f["activity"] == activity)
        row = "%s %d %d %d %d" % (activity, levels["error"], levels["warning"], levels["note"],
                                  sum(levels.values()))
        check(row in text, "class row %r missing" % row)
    total = collections.Counter(f["severity"] for f in findings)
    row = "all %d %d %d %d" % (total["error"], total["warning"], total["note"], n)
    check(row in text, "total row %r missing" % row)
    check("By repository or image fixtures/demo %d references" % n in text,
          "group fixtures/demo with %d references missing" % n)
    print("demo: %d findings, all listed; %d characters of text" % (n, len(text)))


def hostile(binary, tmp):
    """Names that are markup, not UTF-8, or reorder text, as text and nothing else."""
    tree = os.path.join(tmp, "hostile").encode()
    names = [b'<img src=x onerror=alert(1)>.conf', b'a&amp;b "q" \'s\'.conf',
             b'<h1>x<table><tr><td>y.conf', b'bad-\xff\xfe.conf', b'rtl-\xe2\x80\xaefnoc.txt']
    os.makedirs(tree)
    for name in names:
        with open(os.path.join(tree, name), "wb") as f:
            f.write(b"server 10.20.30.40 iburst\n")
    page = os.path.join(tmp, "hostile.html")
    with open(page, "wb") as f:
        f.write(ntpsweep(binary, ["scan", "-q", "--host", "10.20.30.40", "--format", "html", "."], tree))
    dom = dump_dom(page, os.path.join(tmp, "profile"))
    text = dom.text()
    check(dom.tags["img"] == 0 and dom.tags["h1"] == 1 and dom.tags["table"] == 3,
          "a name injected markup: %s" % dict(dom.tags))
    for shown in ['<img src=x onerror=alert(1)>.conf', 'a&amp;b "q" \'s\'.conf',
                  '<h1>x<table><tr><td>y.conf', 'bad-\ufffd\ufffd.conf', 'rtl-\\u202Efnoc.txt']:
        check(text.count(shown + ":1:8") == 2, "%r is not shown as text, twice" % shown)
    print("hostile names: shown as text, %d elements" % sum(dom.tags.values()))


def main():
    binary, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if shutil.which("chromium") is None:
        raise SystemExit("chromium is not installed (scripts/install-deps.sh installs it)")
    tmp = tempfile.mkdtemp(prefix="ntpsweep-html-")
    try:
        demo(binary, source, tmp)
        hostile(binary, tmp)
    finally:
        shutil.rmtree(tmp)
    if failures:
        print("%d failures" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
