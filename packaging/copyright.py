#!/usr/bin/env python3
"""Writes the package's /usr/share/doc/kioskd/copyright (machine-readable, DEP-5) from what is
in /usr/bin/kioskd: kioskd's own sources, GS1's Barcode Syntax Dictionary (embedded), the Swift
runtime (linked statically) and every Swift package pinned in Package.resolved, with the
licence each one's LICENSE file states and the third-party code its NOTICE file names.

    packaging/copyright.py TOP CHECKOUTS > copyright

TOP is the repository, CHECKOUTS the folder SwiftPM checked the packages out into
(.build/checkouts). A package whose licence is not recognised stops the build.
"""
import json
import os
import re
import sys

top, checkouts = sys.argv[1], sys.argv[2]
pins = json.load(open(os.path.join(top, "Package.resolved")))["pins"]


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def checkout_of(pin):
    name = pin["location"].rstrip("/").split("/")[-1]
    name = name[:-4] if name.endswith(".git") else name
    for candidate in (name, pin["identity"]):
        if os.path.isdir(os.path.join(checkouts, candidate)):
            return candidate
    sys.exit(f"copyright.py: no checkout of {pin['identity']} in {checkouts}: run swift package resolve")


def licence(folder):
    for name in sorted(os.listdir(folder)):
        if re.match(r"(?i)^(license|licence|copying)(\.txt|\.md)?$", name):
            text = read(os.path.join(folder, name))
            holders = [re.sub(r"\s+", " ", m).strip() for m in re.findall(r"(?im)^\s*Copyright (?:\(c\)\s*)?(\d.*)$", text)]
            if "Apache License" in text and "Version 2.0" in text:
                return "Apache-2.0", holders
            if "Permission is hereby granted, free of charge" in text:
                return "Expat", holders
            sys.exit(f"copyright.py: the licence of {folder}/{name} is not one this script knows: add it")
    sys.exit(f"copyright.py: {folder} has no LICENSE file")


def notice_lines(folder):
    for name in ("NOTICE.txt", "NOTICE"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return [l.strip() for l in read(path).splitlines() if l.strip().startswith("This product contains")]
    return []


def field(text):
    """A multi-line DEP-5 field body: continuation lines start with a space, blank ones are ' .'."""
    return "\n".join(" " + l if l.strip() else " ." for l in text.splitlines())


release = re.search(r"\(release ([^)]+)\)", read(os.path.join(top, "Sources/KioskCore/Barcodes/GS1SyntaxDictionary+Text.swift")))
out = [
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
    "Upstream-Name: kioskd",
    "Comment: This binary package is built from the kioskd repository by scripts/package.",
    " /usr/bin/kioskd contains, linked statically, the Swift runtime and Foundation of the",
    " Swift toolchain that built it and the Swift packages listed below; it links Debian's",
    " libraries (SQLite, zbar, libgpiod, libpng, libqrencode, zint, FreeType, zlib)",
    " dynamically, and those come with their own packages.",
    "",
    "Files: *",
    "Copyright: the kioskd authors",
    "License: no-licence-stated",
    "",
    "Files: Sources/KioskCore/Barcodes/GS1SyntaxDictionary+Text.swift",
    "Copyright: GS1 AISBL and others",
    "License: Apache-2.0",
    f"Comment: GS1's Barcode Syntax Dictionary (release {release.group(1) if release else 'unknown'}), embedded verbatim",
    " in /usr/bin/kioskd, where the GS1 reader parses it.",
    "",
    "Files: swift-toolchain/*",
    "Copyright: Apple Inc. and the Swift project authors",
    "License: Apache-2.0 with Swift Runtime Library Exception",
    "Comment: The Swift standard library, Dispatch and Foundation, linked statically",
    " (swift build --static-swift-stdlib). Foundation's static build includes ICU",
    " (_FoundationICU), © Unicode, Inc., under the Unicode licence (https://www.unicode.org/license.txt).",
]
expat_used = False
for pin in sorted(pins, key=lambda p: p["identity"]):
    folder = checkout_of(pin)
    kind, holders = licence(os.path.join(checkouts, folder))
    expat_used |= kind == "Expat"
    version = pin["state"].get("version") or pin["state"].get("revision", "")[:12]
    out += ["", f"Files: .build/checkouts/{folder}/*",
            "Copyright: " + ("\n ".join(holders) if holders else f"the {folder} project authors"),
            f"License: {kind}"]
    comment = [f"{pin['location']} {version}"] + notice_lines(os.path.join(checkouts, folder))
    out += ["Comment: " + comment[0]] + [" " + l for l in comment[1:]]

out += ["", "License: no-licence-stated", field(
    "The kioskd repository does not state a licence for its own code. Ask its authors\n"
    "before you redistribute this package outside the organisation that built it.")]
out += ["", "License: Apache-2.0", field(
    "Licensed under the Apache License, Version 2.0. On Debian systems the full text is in\n"
    "/usr/share/common-licenses/Apache-2.0.")]
out += ["", "License: Apache-2.0 with Swift Runtime Library Exception", field(
    "Licensed under the Apache License, Version 2.0 (on Debian systems:\n"
    "/usr/share/common-licenses/Apache-2.0), with this exception:\n"
    "\n"
    "Runtime Library Exception to the Apache 2.0 License: As an exception, if you use this\n"
    "Software to compile your source code and portions of this Software are embedded into\n"
    "the binary product as a result, you may redistribute such product without providing\n"
    "attribution as would otherwise be required by Sections 4(a), 4(b) and 4(d) of the\n"
    "License.")]
if expat_used:
    out += ["", "License: Expat", field(
        "Permission is hereby granted, free of charge, to any person obtaining a copy of this\n"
        "software and associated documentation files (the \"Software\"), to deal in the Software\n"
        "without restriction, including without limitation the rights to use, copy, modify,\n"
        "merge, publish, distribute, sublicense, and/or sell copies of the Software, and to\n"
        "permit persons to whom the Software is furnished to do so, subject to the following\n"
        "conditions:\n"
        "\n"
        "The above copyright notice and this permission notice shall be included in all copies\n"
        "or substantial portions of the Software.\n"
        "\n"
        "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,\n"
        "INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A\n"
        "PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT\n"
        "HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF\n"
        "CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE\n"
        "OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.")]
print("\n".join(out))
