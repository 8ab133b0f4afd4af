#!/usr/bin/env python3
"""Compares kioskd's verdicts with GS1's reference engine, line by line (Tests/GS1/differential).

Usage: compare.py INPUTS ORACLE-OUTPUT KIOSKD-OUTPUT

Classes per input:
  agree          both accept with the same element string, or neither accepts it as GS1
                 (reference ERR or PLAIN against kioskd ERR or NOTGS1)
  FALSE ACCEPT   kioskd accepts what the reference refuses or reads as plain data: must be 0
  policy         a documented difference (Tests/GS1/POLICY.md), counted per category
  other          any other disagreement: fails the test
Exit status 1 on any false accept or other disagreement.
"""
import re
import sys

KEY_AIS = ("00", "01", "02", "03")


def elements(bracketed):
    """(AI, value) pairs of a bracketed string, "\\(" kept as written."""
    return re.findall(r"\((\d{2,4})\)((?:\\\(|[^(])*)", bracketed)


def deduplicated(bracketed):
    seen, out = set(), []
    for pair in elements(bracketed):
        if pair not in seen:
            seen.add(pair)
            out.append("(%s)%s" % pair)
    return "".join(out)


def ean_gtin(text):
    """For ]E0/]E4 scan data: the primary data as AI 01 (padded to 14 digits)."""
    length = 13 if text.startswith("]E0") else 8
    return "(01)" + text[3:3 + length].zfill(14)


def classify(mode, text, ref, ours):
    rv, rtext = ref
    kv, ktext = ours
    ean = mode == "scan" and text[:3] in ("]E0", "]E4")
    if kv == "OK":
        if rv == "OK" and rtext == ktext:
            return "agree", None
        if rv == "OK" and deduplicated(rtext) == ktext:
            return "policy", "repeated-ai-kept-once"
        if ean and rv == "PLAIN" and ktext == ean_gtin(text):
            return "policy", "ean-upc-as-ai01"
        if ean and rv == "OK" and ktext == ean_gtin(text) + deduplicated(rtext):
            return "policy", "ean-upc-as-ai01"
        if rv in ("ERR", "PLAIN"):
            return "false-accept", None
        return "other", "both accept, different element strings"
    if rv in ("ERR", "PLAIN"):
        return "agree", None
    # The reference accepts, kioskd does not.
    if mode == "raw" and kv == "NOTGS1" and not text.startswith(KEY_AIS):
        return "policy", "unprefixed-without-key"
    if ean and "|]e0" in text and kv == "ERR":
        return "policy", "ean-upc-composite-checked-with-gtin"
    return "other", "kioskd refuses what the reference accepts"


def read(path):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return [line.rstrip("\n") for line in f]


def main():
    inputs, refs, ours = (read(p) for p in sys.argv[1:4])
    if not (len(inputs) == len(refs) == len(ours)):
        print("GS1 differential: line counts differ (inputs %d, reference %d, kioskd %d)" % (len(inputs), len(refs), len(ours)))
        return 1
    counts = {"agree": 0, "false-accept": 0, "policy": 0, "other": 0}
    policies, others = {}, {}
    for line, ref, our in zip(inputs, refs, ours):
        mode, _, text = line.partition("\t")
        r = tuple(ref.split("\t", 1) + [""])[:2]
        k = tuple(our.split("\t", 1) + [""])[:2]
        verdict, category = classify(mode, text, r, k)
        counts[verdict] += 1
        if verdict == "false-accept":
            print("FALSE ACCEPT  %s\t%s\n    reference: %s\n    kioskd:    %s" % (mode, text, ref, our))
        elif verdict == "policy":
            policies[category] = policies.get(category, 0) + 1
        elif verdict == "other":
            others.setdefault(category, []).append((line, ref, our))
    for category, cases in others.items():
        print("DISAGREEMENT (%s): %d" % (category, len(cases)))
        for line, ref, our in cases[:15]:
            print("  %s\n    reference: %s\n    kioskd:    %s" % (line, ref, our))
    total = len(inputs)
    policy_text = ", ".join("%s: %d" % kv for kv in sorted(policies.items(), key=lambda kv: -kv[1]))
    print("GS1 differential: %d inputs, agreement %.1f%% (%d), false accepts %d, policy differences %d (%s), other disagreements %d"
          % (total, 100.0 * counts["agree"] / max(total, 1), counts["agree"], counts["false-accept"], counts["policy"],
             policy_text or "none", counts["other"]))
    return 1 if counts["false-accept"] or counts["other"] else 0


if __name__ == "__main__":
    sys.exit(main())
