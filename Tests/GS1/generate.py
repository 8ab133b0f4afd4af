#!/usr/bin/env python3
"""Seeded inputs for the GS1 differential test (Tests/GS1/differential).

Prints lines `MODE<TAB>INPUT` ({GS} stands for the group separator): random well-formed element
strings built from the Syntax Dictionary (mostly valid, some breaking a pairing rule), written
as scan data behind a symbology identifier, raw (no identifier), bracketed, or as a Digital
Link URI; and mutations of them (drop/duplicate/swap a GS, flip a digit, change an AI, cut or
extend a value, reorder Digital Link segments, change case, insert junk).

Usage: generate.py [--seed N] [--count N] [--dictionary PATH]
"""
import argparse
import random
import re
import string

GS = "{GS}"
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
CSET39 = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CSET64 = string.ascii_letters + string.digits + "-_"
GS1_IDS = ["]C1", "]e0", "]d2", "]Q3", "]J1"]
OTHER_IDS = ["]Q1", "]d1", "]J0", "]C0", "]E0", "]E4", "]E3", "]A0", "]ZZ", "]X", "]e1"]
COUNTRIES = ["250", "276", "840", "156", "392", "826", "036", "724"]
CURRENCIES = ["978", "840", "156", "392", "826", "036"]
ALPHA2 = ["DE", "FR", "CN", "US", "GB", "JP", "NL", "IT"]
PACKAGES = ["BX", "CT", "PX", "1A", "200", "AA", "BGE", "XX"]
COUPON_BASE = "061414112345615110123"
COUPONS = [COUPON_BASE + extra for extra in ["", "101201239", "21201230614141", "50123456", "610614141", "90010", "3261231",
                                             "32612314260101", "1012012350123456", "32601014261231", "90310", "7"]]
POSOFFERS = ["006141411234560123456", "1161414112345671234567", "1061414112345601234567", "00614141123456012345"]
IBANS = ["GB82WEST12345698765432", "DE89370400440532013000", "FR1420041010050500013M02606"]


def check_digit(body):
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def check_pair(body):
    primes = []
    n = 2
    while len(primes) < 97:
        if all(n % p for p in primes):
            primes.append(n)
        n += 1
    cset32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    total = sum(CSET82.index(c) * primes[len(body) - 1 - i] for i, c in enumerate(body)) % 1021
    return cset32[total >> 5] + cset32[total & 31]


class Dictionary:
    """Just enough of the Syntax Dictionary to build element strings (kioskd parses it itself)."""

    def __init__(self, path):
        self.entries = {}
        for line in open(path, encoding="utf-8"):
            if line.startswith("#") or not line.strip():
                continue
            line = line.split("#", 1)[0]
            fields = line.split()
            ais = fields.pop(0)
            flags = ""
            if fields and not fields[0][0] in "NXYZ[":
                flags = fields.pop(0)
            comps = []
            while fields and fields[0][0] in "NXYZ[":
                comps.append(self.component(fields.pop(0)))
            attrs = fields
            if "-" in ais:
                lo, hi = ais.split("-")
                names = [str(n).zfill(len(lo)) for n in range(int(lo), int(hi) + 1)]
            else:
                names = [ais]
            for ai in names:
                self.entries[ai] = {"ai": ai, "fixed": "*" in flags, "attr": "?" in flags, "comps": comps,
                                    "req": [a[4:] for a in attrs if a.startswith("req=")],
                                    "dlpkey": [a for a in attrs if a.startswith("dlpkey")]}
        self.ais = sorted(self.entries)

    @staticmethod
    def component(spec):
        opt = spec.startswith("[")
        linters = []
        if opt:
            inner, after = spec[1:].split("]", 1)
            linters = [l for l in after.split(",") if l]
            spec = inner
        parts = spec.split(",")
        t = parts[0]
        linters = parts[1:] + linters
        if t[1:].startswith(".."):
            lo, hi = 1, int(t[3:])
        else:
            lo = hi = int(t[1:])
        return {"cset": t[0], "min": lo, "max": hi, "opt": opt, "linters": linters}

    def qualifiers(self, ai):
        seqs = []
        for a in self.entries[ai]["dlpkey"]:
            seqs += [[]] if a == "dlpkey" else [s.split(",") for s in a[7:].split("|")]
        return seqs


def random_date(rng, digits=6, zero_day=True):
    year = rng.randrange(0, 100) if digits == 6 else rng.randrange(1950, 2100)
    month = rng.randrange(1, 13)
    day = rng.randrange(0 if zero_day else 1, 29)
    if rng.random() < 0.1:
        month, day = 2, 29
    y = str(year).zfill(2 if digits == 6 else 4)
    return y + str(month).zfill(2) + str(day).zfill(2)


def component_value(rng, comp, length):
    linters = comp["linters"]
    cs = comp["cset"]
    for name, make in [
        ("yymmd0", lambda: random_date(rng)), ("yymmdd", lambda: random_date(rng, zero_day=False)),
        ("yyyymmdd", lambda: random_date(rng, 8, False)), ("hhmi", lambda: "%02d%02d" % (rng.randrange(24), rng.randrange(60))),
        ("hh", lambda: "%02d" % rng.randrange(24)), ("mi", lambda: "%02d" % rng.randrange(60)), ("ss", lambda: "%02d" % rng.randrange(60)),
        ("iso3166999", lambda: rng.choice(COUNTRIES + ["999"])), ("iso3166", lambda: rng.choice(COUNTRIES)),
        ("iso4217", lambda: rng.choice(CURRENCIES)), ("iso3166alpha2", lambda: rng.choice(ALPHA2)),
        ("yesno", lambda: rng.choice("01")), ("winding", lambda: rng.choice("019")), ("zero", lambda: "0"),
        ("iso5218", lambda: rng.choice("0129")), ("hyphen", lambda: "-"), ("mediatype", lambda: rng.choice(["01", "10", "80", "99"])),
        ("packagetype", lambda: rng.choice(PACKAGES)), ("importeridx", lambda: rng.choice("A9z-_")),
        ("posinseqslash", lambda: rng.choice(["1/2", "2/2", "1/9", "12/15"])), ("iban", lambda: rng.choice(IBANS)),
        ("couponcode", lambda: rng.choice(COUPONS)), ("couponposoffer", lambda: rng.choice(POSOFFERS)),
        ("latitude", lambda: str(rng.randrange(0, 1800000001)).zfill(10)),
        ("longitude", lambda: str(rng.randrange(0, 3600000001)).zfill(10)),
        ("pieceoftotal", lambda: rng.choice(["0102", "0202", "0101", "0199"])),
    ]:
        if name in linters:
            return make()
    if ("gcppos1" in linters or "gcppos2" in linters or "csumalpha" in linters) and length < 6 and comp["max"] >= 6:
        length = 6 if rng.random() < 0.9 else length
    alphabet = {"N": string.digits, "X": CSET82, "Y": CSET39, "Z": CSET64}[cs]
    if "pcenc" in linters or cs == "X" and rng.random() < 0.7:
        alphabet = string.ascii_uppercase + string.digits + "-./"
    value = "".join(rng.choice(alphabet) for _ in range(length))
    if "nonzero" in linters and set(value) == {"0"}:
        value = value[:-1] + "1"
    if "nozeroprefix" in linters and value.startswith("0"):
        value = "1" + value[1:]
    if "gcppos1" in linters or "gcppos2" in linters:
        value = "".join(rng.choice(string.digits) for _ in range(min(5, length))) + value[5:]
    if "hasnondigit" in linters and value.isdigit():
        value = value[:-1] + "A" if cs != "N" else value
    if "csum" in linters:
        value = value[:-1] + check_digit(value[:-1])
    if "csumalpha" in linters and length >= 3:
        body = value[:-2]
        value = body + check_pair(body)
    return value


def value_for(rng, d, ai):
    entry = d.entries[ai]
    out = ""
    for comp in entry["comps"]:
        if comp["opt"] and rng.random() < 0.5:
            break
        length = comp["min"] if comp["min"] == comp["max"] else rng.choice([comp["min"], comp["max"], rng.randrange(comp["min"], comp["max"] + 1)])
        if "couponcode" in comp["linters"] or "couponposoffer" in comp["linters"] or "iban" in comp["linters"]:
            length = 0
        out += component_value(rng, comp, length)
    return out


def requirements(d, ai, rng):
    """AIs that satisfy every req= of ai (one alternative each), chosen at random."""
    need = []
    for req in d.entries[ai]["req"]:
        group = rng.choice(req.split(","))
        for pattern in group.split("+"):
            if "n" in pattern:
                candidates = [a for a in d.ais if len(a) == len(pattern) and a.startswith(pattern.rstrip("n"))]
                pattern = rng.choice(candidates)
            if pattern in d.entries:
                need.append(pattern)
    return need


def random_elements(rng, d):
    """A key, a few attributes and what they require; sometimes a requirement is left out."""
    keys = ["01", "01", "01", "00", "02", "8006", "414", "253", "255", "8003", "8004", "8017", "8010", "401", "402", "8013"]
    chosen = [rng.choice(keys)]
    for _ in range(rng.randrange(0, 4)):
        chosen.append(rng.choice(["10", "21", "17", "11", "15", "30", "37", "3103", "3922", "422", "7003", "8008", "99", "91", "240",
                                  "241", "7240", "4321", "8200", "22", "235", "7007", "4309", "8011", "254", "7040", "8019", "20", "8020", "415", "12",
                                  "3900", "3910", "3932", "8111", "8110", "8112", "7230", "7241", "7250", "7258", "8030", "4330", "427", "8014", "8007",
                                  rng.choice(d.ais)]))
    if rng.random() < 0.85:
        for ai in list(chosen):
            for extra in requirements(d, ai, rng):
                if extra not in chosen:
                    chosen.append(extra)
    seen = []
    for ai in chosen:
        if ai not in seen:
            seen.append(ai)
    rng.shuffle(seen)
    if rng.random() < 0.5:  # keys first, as real labels have them
        seen.sort(key=lambda a: a not in keys)
    return [(ai, value_for(rng, d, ai)) for ai in seen]


def element_string(d, elements, trailing_gs=False):
    out = ""
    for i, (ai, value) in enumerate(elements):
        out += ai + value
        if (not d.entries.get(ai, {"fixed": False})["fixed"] and i < len(elements) - 1) or (trailing_gs and i == len(elements) - 1):
            out += GS
    return out


def bracketed(elements):
    return "".join("(%s)%s" % (ai, value.replace("(", "\\(")) for ai, value in elements)


def percent(value, rng):
    out = ""
    for c in value:
        if c in "/?#&%+= \"<>\\^`{|}" or (rng.random() < 0.05 and c.isalnum()):
            out += "%%%02X" % ord(c)
        else:
            out += c
    return out


def digital_link(rng, d, elements):
    """The first DL key with its qualifiers in the path and attributes in the query."""
    keys = [e for e in elements if d.qualifiers(e[0])]
    if not keys:
        keys = [("01", value_for(rng, d, "01"))]
        elements = keys + elements
    key = keys[0]
    quals = rng.choice(d.qualifiers(key[0]))
    path = [key] + [e for q in quals for e in elements if e[0] == q]
    query = [e for e in elements if e not in path]
    host = rng.choice(["https://id.gs1.org", "https://example.com", "http://example.com/shop", "HTTPS://ID.GS1.ORG",
                       "https://example.com/a/b", "http://x.y"])
    uri = host + "".join("/%s/%s" % (ai, percent(v, rng)) for ai, v in path)
    if query:
        params = ["%s=%s" % (ai, percent(v, rng)) for ai, v in query]
        if rng.random() < 0.2:
            params.insert(rng.randrange(len(params) + 1), rng.choice(["foo=bar", "linkType=all", "x", "lot=5"]))
        uri += "?" + "&".join(params)
    if rng.random() < 0.1:
        uri += "#frag"
    return uri


def mutate(rng, d, mode, text):
    ops = ["drop_gs", "dup_gs", "swap_gs", "flip_digit", "change_ai", "cut", "extend", "case", "junk", "reorder", "swap_chars"]
    op = rng.choice(ops)
    if op == "drop_gs" and GS in text:
        i = rng.choice([m.start() for m in re.finditer(re.escape(GS), text)])
        return text[:i] + text[i + len(GS):]
    if op == "dup_gs" and GS in text:
        i = rng.choice([m.start() for m in re.finditer(re.escape(GS), text)])
        return text[:i] + GS + text[i:]
    if op == "swap_gs":
        plain = text.replace(GS, "\x1d")
        if len(plain) > 4:
            i = rng.randrange(3, len(plain))
            plain = plain[:i] + "\x1d" + plain[i:]
        return plain.replace("\x1d", GS)
    if op == "flip_digit":
        digits = [i for i, c in enumerate(text) if c.isdigit()]
        if digits:
            i = rng.choice(digits)
            return text[:i] + str((int(text[i]) + rng.randrange(1, 10)) % 10) + text[i + 1:]
    if op == "change_ai" and mode == "ai":
        ais = re.findall(r"\((\d+)\)", text)
        if ais:
            old = rng.choice(ais)
            return text.replace("(%s)" % old, "(%s)" % rng.choice(d.ais), 1)
    if op == "cut" and len(text) > 5:
        i = rng.randrange(4, len(text))
        return text[:i] + text[i + 1:]
    if op == "extend":
        i = rng.randrange(3, len(text) + 1)
        return text[:i] + rng.choice("0123456789AB") + text[i:]
    if op == "case":
        return text.swapcase() if rng.random() < 0.3 else text.upper()
    if op == "junk":
        i = rng.randrange(0, len(text) + 1)
        return text[:i] + rng.choice(["(", ")", "\\", "^", " ", "%", "%FF", "+", "?", "&", "/", "]C1", "é", "#", "\\(", "=", "%00", "%2F"]) + text[i:]
    if op == "reorder" and mode == "dl" and "/" in text:
        head, _, rest = text.partition("://")
        segs = rest.split("/")
        if len(segs) > 4:
            i = rng.randrange(1, len(segs) - 1)
            j = rng.randrange(1, len(segs) - 1)
            segs[i], segs[j] = segs[j], segs[i]
        return head + "://" + "/".join(segs)
    if op == "swap_chars" and len(text) > 6:
        i = rng.randrange(3, len(text) - 1)
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text + rng.choice(["", GS, "0", "A"])


def generate(rng, d):
    elements = random_elements(rng, d)
    form = rng.choice(["scan", "scan", "raw", "ai", "ai", "dl", "dl", "ean"])
    if form == "scan":
        mode, text = "scan", rng.choice(GS1_IDS) + element_string(d, elements, trailing_gs=rng.random() < 0.05)
    elif form == "raw":
        mode, text = "raw", element_string(d, elements)
    elif form == "ai":
        mode, text = "ai", bracketed(elements)
    elif form == "dl":
        uri = digital_link(rng, d, elements)
        if rng.random() < 0.15:
            mode, text = "scan", rng.choice(["]Q1", "]d1", "]J0", "]C0"]) + uri
        else:
            mode, text = "dl", uri
    else:
        body = "".join(rng.choice(string.digits) for _ in range(rng.choice([7, 12])))
        prefix = "]E4" if len(body) == 7 else "]E0"
        text = prefix + body + check_digit(body)
        if rng.random() < 0.3:
            text += "|]e0" + element_string(d, elements[1:] or [("99", "X")])
        if rng.random() < 0.2:
            text = rng.choice(OTHER_IDS) + text[3:]
        mode = "scan"
    if rng.random() < 0.45:
        text = mutate(rng, d, mode, text)
        if rng.random() < 0.3:
            text = mutate(rng, d, mode, text)
    if mode == "raw" and (text[:1] in "(]" or text.lower().startswith("http")):
        mode = "scan"  # raw inputs are fed to the oracle behind ]C1; keep them raw-looking
        text = "]C1" + text
    return mode, text.replace("\t", " ").replace("\n", " ")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--dictionary", default="/work/shared/gs1/gs1-syntax-dictionary.txt")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    d = Dictionary(args.dictionary)
    for _ in range(args.count):
        mode, text = generate(rng, d)
        print("%s\t%s" % (mode, text))


if __name__ == "__main__":
    main()
