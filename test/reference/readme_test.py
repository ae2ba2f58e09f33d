#!/usr/bin/env python3
"""Every SQL example of README.md and of docs/*.md runs.

Loads the demo exchange (1,000 accounts, the demo's seed), creates the roles
the examples name, and runs each ```sql block of README.md and of every
docs/*.md with psql (ON_ERROR_STOP, :last_seen set to 0) inside a
transaction that is rolled back, so the examples do not see each other's
changes.  A block right after an HTML comment that starts "<!-- not run" is
skipped; the comment says which test runs it instead.  Prints TAP.  Standard library only; psql
connects with the usual PG* variables to a database where the extension is
installed and empty.
"""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = ["alice", "bob", "head_of_risk", "new_hire"]


def psql(args, sql):
    return subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"] + args,
                          input=sql, capture_output=True, text=True)


def documents():
    """README.md, then docs/*.md in name order, as paths relative to ROOT."""
    docs = os.path.join(ROOT, "docs")
    names = sorted(f for f in os.listdir(docs) if f.endswith(".md")) if os.path.isdir(docs) else []
    return ["README.md"] + [f"docs/{f}" for f in names]


def main():
    blocks = []
    for doc in documents():
        text = open(os.path.join(ROOT, doc), encoding="utf-8").read()
        for m in re.finditer(r"(<!-- not run[^>]*-->\n)?```sql\n(.*?)```", text, re.S):
            line = text.count("\n", 0, m.start(2)) + 1
            blocks.append((f"{doc} line {line}", m.group(2), m.group(1) is not None))
    setup = psql(["-v", "accounts=1000", "-f", os.path.join(ROOT, "test/gen/exchange.sql")], "")
    roles = psql([], "".join(f"DROP ROLE IF EXISTS {r}; CREATE ROLE {r} NOLOGIN;\n" for r in ROLES)
                 + "DROP ROLE IF EXISTS desk_asia;\n")
    n = failed = 0
    if setup.returncode != 0 or roles.returncode != 0:
        print("not ok 1 - the demo exchange and the examples' roles")
        print("#   " + (setup.stderr or roles.stderr)[:300])
        print("1..1")
        return 1
    for where, sql, skipped in blocks:
        first = sql.strip().splitlines()[0][:60]
        if skipped:
            print(f"# {where}: {first}: not run here (its comment names the test that runs it)")
            continue
        n += 1
        out = psql(["-v", "last_seen=0"], "BEGIN;\n" + sql + "\nROLLBACK;\n")
        if out.returncode == 0:
            print(f"ok {n} - {where}: {first}")
        else:
            failed += 1
            print(f"not ok {n} - {where}: {first}")
            for err in out.stderr.strip().splitlines()[:5]:
                print(f"#   {err}")
    psql([], "".join(f"DROP ROLE IF EXISTS {r};\n" for r in ROLES))
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
