#!/usr/bin/env python3
"""Generates a large synthetic extract for benchmarking `deliberd validate`.

Reads the variables of a deliberation file (conf/deliberations/21-128.conf by
default) with a light parser, takes the first COLUMNS of them (person_id and
reference_period first) and writes ROWS valid rows: four quarters per person,
values drawn from each variable's list, pattern or range.  A pool of row tails is
reused so that generation stays fast; --errors N sprinkles N broken cells.

    scripts/bench_extract.py --rows 1700000 --columns 60 > /tmp/bench.csv
    time build/deliberd validate --terms conf/deliberations/21-128.conf \\
        --recipient maastricht-sbe --group naric --phase 2 --date 2025-12-01 \\
        /tmp/bench.csv >/dev/null
    time wc -l /tmp/bench.csv
"""
import argparse
import random
import re
import sys

PATTERN_SAMPLES = {
    "[0-9]{5}": lambda r: "%05d" % r.randrange(11000, 93000),
    "[0-9]{2}|[0-9]{2}\\.?[0-9]{1,3}": lambda r: r.choice(
        ["%02d" % r.randrange(1, 99), "%02d.%03d" % (r.randrange(1, 99), r.randrange(0, 999))]),
    "[0-9]{3}|[0-9]{3}\\.[0-9]{2}": lambda r: r.choice(
        ["%03d" % r.randrange(100, 340), "%03d.%02d" % (r.randrange(100, 340), r.randrange(0, 99))]),
    "[0-9A-Z]{1,10}": lambda r: "".join(r.choice("ABCDEFGH0123456789") for _ in range(r.randrange(1, 7))),
}

NAMES = ["Master of Science in Engineering", "Bachelor in de verpleegkunde", "Doctor of Medicine",
         "Diplom-Ingenieur", "Licenciatura em Direito", "Laurea magistrale in Economia",
         "Master in de rechten", "Bachelor of Arts (Hons) English", "Inzhener-mekhanik",
         "Professional Diploma 2011"]


def parse_variables(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"(?m)^\s*(#|//).*$", "", text)
    out = []
    for block in re.split(r"\{\s*(?=code\s*=)", text)[1:]:
        v = {"code": re.search(r'code\s*=\s*"([^"]+)"', block).group(1)}
        m = re.search(r'\btype\s*=\s*"([^"]+)"', block)
        if not m:
            continue
        v["type"] = m.group(1)
        m = re.search(r"values\s*=\s*\[(.*?)\]", block, re.S)
        v["values"] = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)) if m else []
        m = re.search(r'pattern\s*=\s*"((?:[^"\\]|\\.)*)"', block)
        v["pattern"] = m.group(1).replace("\\\\", "\\") if m else None
        for key in ("min", "max", "max_length"):
            m = re.search(r"\b%s\s*=\s*(-?[0-9.]+)" % key, block)
            v[key] = float(m.group(1)) if m else None
        out.append(v)
    return out


def value(v, r, empty, short_share):
    t = v["type"]
    if r.random() < empty and not v["code"] in ("person_id", "reference_period"):
        return ""
    if t in ("class", "amount_class", "code"):
        if v["values"]:
            # real extracts are mostly short codes: favour the shorter ones
            short = sorted(v["values"], key=len)[: max(1, len(v["values"]) // 3)]
            return r.choice(short if r.random() < short_share else v["values"])
        return PATTERN_SAMPLES.get(v["pattern"], lambda r: "X")(r)
    if t == "year_month":
        return "%04d-%02d" % (r.randrange(1990, 2024), r.randrange(1, 13))
    if t == "year":
        return "%04d" % r.randrange(1970, 2024)
    if t == "int":
        lo = int(v["min"] or 0)
        hi = int(v["max"] if v["max"] is not None else 1000)
        return str(r.randrange(lo, min(hi, lo + 400) + 1))
    if t == "decimal":
        lo = v["min"] or 0.0
        hi = v["max"] if v["max"] is not None else 1000.0
        return "%.2f" % r.uniform(lo, min(hi, 100.0))
    if t == "yes_no":
        return r.choice("YN")
    if t == "text":
        return r.choice(NAMES)
    if t == "pseudonym":
        return str(r.randrange(1, 10**9))
    raise SystemExit("unknown type " + t)


def quote(s):
    if any(c in s for c in ',"\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--terms", default="conf/deliberations/21-128.conf")
    ap.add_argument("--rows", type=int, default=1700000)
    ap.add_argument("--columns", type=int, default=60)
    ap.add_argument("--pool", type=int, default=50000)
    ap.add_argument("--errors", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--empty", type=float, default=0.15, help="share of empty cells")
    ap.add_argument("--short", type=float, default=0.8,
                    help="share of list values drawn from the shortest third")
    a = ap.parse_args()
    r = random.Random(a.seed)
    vs = parse_variables(a.terms)
    byname = {v["code"]: v for v in vs}
    first = [byname["person_id"], byname["reference_period"]]
    rest = [v for v in vs if v["code"] not in ("person_id", "reference_period")]
    cols = first + rest[: a.columns - 2]
    out = sys.stdout
    out.write(",".join(v["code"] for v in cols) + "\n")
    pool = [",".join(quote(value(v, r, a.empty, a.short)) for v in cols[2:]) for _ in range(a.pool)]
    bad = set(r.randrange(a.rows) for _ in range(a.errors))
    chunk = []
    for i in range(a.rows):
        person = 1000000 + i // 4
        period = "%dQ%d" % (2015 + (i // 16) % 8, i % 4 + 1)
        tail = pool[r.randrange(a.pool)]
        if i in bad:
            period = "2020-01-15"
        chunk.append("%d,%s,%s\n" % (person, period, tail))
        if len(chunk) == 10000:
            out.write("".join(chunk))
            chunk = []
    out.write("".join(chunk))


if __name__ == "__main__":
    main()
