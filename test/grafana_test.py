#!/usr/bin/env python3
"""Every panel of docs/grafana/portfolio_margin.json runs against a populated book.

Loads the demo exchange into the database PGDATABASE names (the extension
created there, nothing else in it), samples it with pm.sample_risk(),
moves prices so that accounts change status (events), samples again, and
runs each panel's SQL as Grafana's PostgreSQL data source would, its
$__timeFilter(column) macro expanded to "column BETWEEN from AND to" over
the last hour.  A panel passes when its query runs, returns rows, and --
for a time series -- has a first column "time" that increases and a
number in every row.  Prints TAP.  Standard library only; psql connects
with the usual PG* variables.
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASHBOARD = os.path.join(ROOT, "docs", "grafana", "portfolio_margin.json")
SEP = "\x1f"


def psql(sql, fields=False):
    """Run sql; return (ok, rows as lists of strings, error text)."""
    args = ["psql", "-X", "-q", "-A", "-t", "-F", SEP, "-v", "ON_ERROR_STOP=1"]
    if fields:
        args.remove("-t")
        args += ["-P", "footer=off"]
    p = subprocess.run(args + ["-c", sql], capture_output=True, text=True)
    rows = [line.split(SEP) for line in p.stdout.splitlines() if line != ""]
    return p.returncode == 0, rows, p.stderr.strip()


def populate():
    ok, _, err = psql("SELECT 1")
    if not ok:
        return err
    steps = [
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "accounts=2000", "-v", "seed=11",
         "-f", os.path.join(ROOT, "test", "gen", "exchange.sql")],
    ]
    for s in steps:
        p = subprocess.run(s, capture_output=True, text=True)
        if p.returncode != 0:
            return p.stderr.strip()
    for sql in ["SELECT pm.sample_risk()",
                "UPDATE pm.asset SET index_price = index_price * 0.9 WHERE asset <> 'USDT'",
                "SELECT pm.sample_risk()",
                "UPDATE pm.symbol SET mark_price = mark_price * 0.93",
                "SELECT pm.sample_risk()"]:
        ok, _, err = psql(sql)
        if not ok:
            return err
    return None


def expand(sql, start, end):
    return re.sub(r"\$__timeFilter\(([^)]+)\)",
                  lambda m: "%s BETWEEN '%s' AND '%s'" % (m.group(1), start, end), sql)


def main():
    n = 0

    def report(good, what):
        nonlocal n
        n += 1
        print("%s %d - %s" % ("ok" if good else "not ok", n, what))

    dash = json.load(open(DASHBOARD))
    err = populate()
    report(err is None, "the demo book loaded, sampled three times around two price moves"
           + ("" if err is None else ": " + err.splitlines()[0]))
    if err is not None:
        print("1..%d" % n)
        return 1
    _, rows, _ = psql("SELECT now() - interval '1 hour', now() + interval '1 minute'")
    start, end = rows[0]
    report(len(dash["panels"]) >= 8 and all(p.get("targets") for p in dash["panels"]),
           "the dashboard has %d panels, each with a query" % len(dash["panels"]))
    for panel in dash["panels"]:
        for target in panel["targets"]:
            sql = expand(target["rawSql"], start, end)
            ok, rows, err = psql(sql, fields=True)
            title = panel["title"]
            if not ok:
                report(False, "%s: %s" % (title, err.splitlines()[0] if err else "failed"))
                continue
            header, data = rows[0], rows[1:]
            if not data:
                report(False, "%s: no rows" % title)
                continue
            if target.get("format") == "time_series":
                times = [r[0] for r in data]
                numbers = all(all(re.fullmatch(r"-?[0-9.]+(e[-+]?[0-9]+)?", v) for v in r[2 if header[1] == "metric" else 1:])
                              for r in data)
                good = header[0] == "time" and times == sorted(times) and numbers
                report(good, "%s: %d rows, time first and increasing, numbers%s"
                       % (title, len(data), "" if good else " -- NOT: %s" % (header,)))
            else:
                report(True, "%s: %d rows (%s)" % (title, len(data), ", ".join(header)))
    print("1..%d" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
