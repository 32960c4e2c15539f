#!/usr/bin/env python3
"""Turn eval/name-groups.txt (one person per line, variants separated by "|")
into the labelled pairs eval/name-pairs.csv used by `paxscreen names evaluate`.

Positives: every two distinct variants of one line (same person, written by
different hands). Hard negatives: the fullest variants of two lines that share
a surname or a given-name word (same surname different person, common given
names); the fullest variant is used so that a negative never rests on a
shortened form that fits both people ("SMITH, J"). Easy negatives: a fixed
sample of other pairs within one culture. Deterministic: no randomness beyond
a seeded generator, so rerunning gives the same file.

Usage: scripts/eval-pairs.py [eval/name-groups.txt] [eval/name-pairs.csv]
"""
import csv
import itertools
import random
import sys
import unicodedata

src = sys.argv[1] if len(sys.argv) > 1 else "eval/name-groups.txt"
dst = sys.argv[2] if len(sys.argv) > 2 else "eval/name-pairs.csv"


def latin_words(v):
    """Words of a Latin-script variant, accents stripped; None for other scripts."""
    s = unicodedata.normalize("NFKD", v)
    s = "".join(c for c in s if not unicodedata.combining(c))
    if any(ord(c) > 0x24F for c in s):
        return None
    s = s.upper().replace(",", " ").replace("-", " ").replace("'", " ")
    return s.split()


people = []
for n, line in enumerate(open(src, encoding="utf-8"), 1):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    parts = [p.strip() for p in line.split("|")]
    culture, variants = parts[0], []
    for v in parts[1:]:
        if v and v not in variants:
            variants.append(v)
    if not variants:
        sys.exit(f"{src}:{n}: no variants")
    latin = [(v, latin_words(v)) for v in variants if latin_words(v)]
    fullest = max(latin, key=lambda x: len(x[1]))[0] if latin else variants[0]
    words = set()
    for _, w in latin:
        words.update(x for x in w if len(x) > 2)
    people.append({"line": n, "culture": culture, "variants": variants, "fullest": fullest, "words": words})

rows = []
for p in people:
    for a, b in itertools.combinations(p["variants"], 2):
        rows.append((a, b, 1, "same_person"))

negatives = set()
for a, b in itertools.combinations(range(len(people)), 2):
    if people[a]["words"] & people[b]["words"]:
        negatives.add((a, b))
for a, b in sorted(negatives):
    rows.append((people[a]["fullest"], people[b]["fullest"], 0, "shared_name"))

rng = random.Random(20261123)
by_culture = {}
for i, p in enumerate(people):
    by_culture.setdefault(p["culture"], []).append(i)
easy = []
for c, ids in sorted(by_culture.items()):
    for a, b in itertools.combinations(ids, 2):
        if (a, b) not in negatives:
            easy.append((a, b))
rng.shuffle(easy)
for a, b in sorted(easy[:200]):
    rows.append((people[a]["fullest"], people[b]["fullest"], 0, "same_culture"))

with open(dst, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["name1", "name2", "same_person", "kind"])
    w.writerows(rows)

pos = sum(1 for r in rows if r[2] == 1)
print(f"{len(people)} people, {len(rows)} pairs: {pos} same person, {len(rows) - pos} different "
      f"({len(negatives)} sharing a name word)", file=sys.stderr)
