#!/usr/bin/env python3
"""Writes kioskd(8) from the commands' own help: `kioskd --help`, then `--help` of every
subcommand, depth first, as swift-argument-parser prints it (OVERVIEW, the discussion,
USAGE, ARGUMENTS, OPTIONS, SUBCOMMANDS). Nothing is written by hand except the sections
help cannot give: FILES, the service and SEE ALSO.

    packaging/manpage.py KIOSKD VERSION DATE > kioskd.8
"""
import os
import re
import subprocess
import sys

binary, version, date = sys.argv[1:4]
env = dict(os.environ, COLUMNS="10000", LC_ALL="C.UTF-8")


def help_of(path):
    out = subprocess.run([binary, *path, "--help"], env=env, capture_output=True, text=True, check=True).stdout
    sections, name, lines = {}, "PROLOGUE", []
    for line in out.splitlines():
        m = re.match(r"^([A-Z][A-Z ]+):\s*(.*)$", line)
        if m and m.group(1) in ("OVERVIEW", "USAGE", "ARGUMENTS", "OPTIONS", "SUBCOMMANDS"):
            sections[name] = lines
            name, lines = m.group(1), ([m.group(2)] if m.group(2) else [])
        else:
            lines.append(line)
    sections[name] = lines
    return sections


def paragraphs(lines):
    """Blank-line separated paragraphs (each a single line, COLUMNS being wide)."""
    result, current = [], []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            result.append(" ".join(current)); current = []
    if current:
        result.append(" ".join(current))
    return result


def entries(lines):
    """(name, description) of an ARGUMENTS/OPTIONS/SUBCOMMANDS section."""
    result = []
    for line in lines:
        if not line.strip() or line.strip().startswith("See '"):
            continue
        if re.match(r"^  \S", line):
            name, _, description = line.strip().partition("  ")
            result.append([name.strip(), description.strip()])
        elif result:   # a description on the line after a long name
            result[-1][1] = (result[-1][1] + " " + line.strip()).strip()
    return result


def text(s):
    s = s.replace("\\", "\\e")
    return "\\&" + s if s.startswith((".", "'")) else s


def code(s):
    """Option names, usage lines: minus signs, not hyphens."""
    return text(s).replace("-", "\\-")


out = []
w = out.append
root = help_of([])
overview, *discussion = paragraphs(root.get("OVERVIEW", [])) or [""]
w(f'.TH KIOSKD 8 "{date}" "kioskd {version}" "System Administration"')
w(".nh")   # no hyphenation: option names and paths stay whole
w(".SH NAME")
w("kioskd \\- the shop\\-floor daemon of a car dealership: parts counter, service bays, lobby")
w(".SH SYNOPSIS")
w(".B kioskd")
w(".I command")
w("[\\fIoptions\\fR] [\\fIarguments\\fR]")
w(".SH DESCRIPTION")
w(text(overview))
for p in discussion:
    w(".PP"); w(text(p))
w(".PP")
w("Every command takes \\fB\\-h\\fR, \\fB\\-\\-help\\fR. The sections below are each command's own help.")
w(".SH COMMANDS")


def command(path):
    h = help_of(path)
    w(f'.SS "{code("kioskd " + " ".join(path))}"')
    o = paragraphs(h.get("OVERVIEW", []))
    for i, p in enumerate(o):
        if i: w(".PP")
        w(text(p))
    for usage in paragraphs(h.get("USAGE", [])):
        w(".PP"); w("\\fBUsage:\\fR " + code(usage))
    for section in ("ARGUMENTS", "OPTIONS"):
        items = [e for e in entries(h.get(section, [])) if e[0] != "-h, --help"]
        for name, description in items:
            w(".TP"); w("\\fB" + code(name) + "\\fR"); w(text(description) if description else "\\&")
    for name, _ in entries(h.get("SUBCOMMANDS", [])):
        command(path + [name.split(",")[0].strip()])


for name, _ in entries(root.get("SUBCOMMANDS", [])):
    command([name.split(",")[0].strip()])

w(".SH FILES")
for f, d in [
    ("/etc/kioskd/kioskd.toml", "The configuration (a conffile). The packaged file sets only device.data_dir, to the service's state directory: the daemon runs as on its embedded default, and commands run by hand use the service's store. \\fBkioskd check\\-config\\fR checks a file."),
    ("/usr/share/doc/kioskd/examples/kioskd.example.toml", "Every key, explained."),
    ("/var/lib/kioskd/kioskd.sqlite", "The store. Run commands against it as the service's user: \\fBsudo \\-u kioskd kioskd stock\\fR."),
    ("/var/lib/kioskd/personal\\-data.key", "The key that seals customers' phone numbers and VINs, made on first start unless the config or a systemd credential names another. Backups do not contain it: keep a copy offline."),
    ("/var/lib/kioskd/scan.fifo", "The simulated scanner of the embedded default: write codes to it, one per line."),
    ("/lib/systemd/system/kioskd.service", "The hardened unit (user \\fBkioskd\\fR, Type=notify, watchdog). Change it with \\fBsystemctl edit kioskd\\fR."),
    ("/lib/udev/rules.d/60\\-kioskd.rules", "GPIO chips to the dialout group; examples of stable scanner names (copy to /etc/udev/rules.d to change)."),
]:
    w(".TP"); w("\\fI" + f + "\\fR"); w(d)
w(".SH ENVIRONMENT")
w(".TP"); w("\\fBKIOSKD_PURGE_DATA=yes\\fR")
w("Given to \\fBapt purge kioskd\\fR (or \\fBdpkg \\-\\-purge\\fR), the store in /var/lib/kioskd is deleted too. Without it, purging keeps the store.")
w(".SH SEE ALSO")
w("\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1), \\fBsystemd.exec\\fR(5), \\fBudev\\fR(7)")
print("\n".join(out))
