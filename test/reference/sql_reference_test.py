#!/usr/bin/env python3
"""docs/reference.md lists the extension's SQL surface: all of it, and only it.

Reads what the installed extension is from the catalog -- every member
object (pg_depend, deptype 'e', of extension portfolio_margin) and every
setting under the portfolio_margin. prefix (pg_settings) -- and what
docs/reference.md says it is, and checks, kind by kind, that the two are
the same set, with the same signatures:

  Function, Aggregate   pm.name(arguments) -> result, as \\df shows them
                        (pg_get_function_arguments, pg_get_function_result)
  Type, Table, View,    the qualified name; for tables, views and composite
  Sequence              types also every column, in order, with its type
  Operator              left OPERATOR(pm.op) right -> result
  Operator class,       pg_identify_object's identity ("pm.x USING btree")
  Operator family
  Schema, Event trigger the name
  Setting               name type DEFAULT boot value

It also checks the "Since" of every entry and column against the upgrade
scripts: inside a transaction that is rolled back, it drops the extension,
installs the oldest version (sql/portfolio_margin--0.1.0.sql) and updates
one version at a time, noting the first version at which each object and
column exists.  (Settings come from the library, not the scripts; their
"Since" is not checked.)  Use a database of its own, where the extension
is installed and nobody else works: the walk locks the extension's tables
until it rolls back.

How the reference is read: a Markdown table whose header's first cell is a
kind above ("| Function | Description | Since |") lists members of that
kind, one per row, the first cell a code span holding the signature.  A
table whose header's first cell is "Column" lists the columns of the object
named by the code span of the heading above it.  Every row needs a
description.

  --missing   print a row for each member the reference lacks, in the
              reference's format (the object's comment as a first draft),
              and exit

Prints TAP.  Standard library only; psql connects with the usual PG*
variables.
"""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE = os.path.join(ROOT, "docs", "reference.md")
KINDS = ["Schema", "Type", "Function", "Aggregate", "Operator", "Operator class",
         "Operator family", "Table", "View", "Sequence", "Event trigger", "Setting"]
SEP = "\x1f"

# Every member of the extension, one row each: kind, signature, comment.
# Columns of tables, views and composite types: 'Column', relation, name, type.
# search_path is pg_catalog alone, so every type of the extension prints
# qualified (pm.tiers) and every built-in one plainly (numeric).
MEMBERS_SQL = r"""
SET search_path = pg_catalog;
WITH m AS (
  SELECT d.classid, d.objid FROM pg_depend d
   WHERE d.refclassid = 'pg_extension'::regclass
     AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'portfolio_margin')
     AND d.deptype = 'e'
     -- the types that come with another object: a table's or view's row
     -- type and every array type.  PostgreSQL 17 records them as members
     -- too, 15 does not; the reference lists them with their object.
     AND NOT EXISTS (SELECT FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
                      WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
                        AND (c.relkind <> 'c'
                             OR EXISTS (SELECT FROM pg_type e WHERE e.typarray = t.oid)))
), rows AS (
  SELECT CASE p.prokind WHEN 'a' THEN 'Aggregate' ELSE 'Function' END AS kind,
         quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '('
           || pg_get_function_arguments(p.oid) || ') → ' || pg_get_function_result(p.oid) AS sig,
         obj_description(p.oid, 'pg_proc') AS comment
    FROM m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    JOIN pg_namespace n ON n.oid = p.pronamespace
  UNION ALL
  SELECT 'Type', format_type(t.oid, NULL), obj_description(t.oid, 'pg_type')
    FROM m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
  UNION ALL
  SELECT 'Operator', format_type(o.oprleft, NULL) || ' OPERATOR(' || quote_ident(n.nspname) || '.'
           || o.oprname || ') ' || format_type(o.oprright, NULL) || ' → ' || format_type(o.oprresult, NULL),
         obj_description(o.oid, 'pg_operator')
    FROM m JOIN pg_operator o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid
    JOIN pg_namespace n ON n.oid = o.oprnamespace
  UNION ALL
  SELECT CASE m.classid WHEN 'pg_opclass'::regclass THEN 'Operator class' ELSE 'Operator family' END,
         (pg_identify_object(m.classid, m.objid, 0)).identity, NULL
    FROM m WHERE m.classid IN ('pg_opclass'::regclass, 'pg_opfamily'::regclass)
  UNION ALL
  SELECT CASE c.relkind WHEN 'r' THEN 'Table' WHEN 'p' THEN 'Table' WHEN 'v' THEN 'View' WHEN 'S' THEN 'Sequence'
                        ELSE 'Relation of kind ' || c.relkind::text END,
         quote_ident(n.nspname) || '.' || quote_ident(c.relname), obj_description(c.oid, 'pg_class')
    FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    JOIN pg_namespace n ON n.oid = c.relnamespace
  UNION ALL
  SELECT 'Schema', quote_ident(n.nspname), obj_description(n.oid, 'pg_namespace')
    FROM m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
  UNION ALL
  SELECT 'Event trigger', quote_ident(e.evtname), obj_description(e.oid, 'pg_event_trigger')
    FROM m JOIN pg_event_trigger e ON m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid
  UNION ALL
  SELECT 'Other: ' || (pg_identify_object(m.classid, m.objid, 0)).type,
         (pg_identify_object(m.classid, m.objid, 0)).identity, NULL
    FROM m WHERE m.classid NOT IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_operator'::regclass,
                                   'pg_opclass'::regclass, 'pg_opfamily'::regclass, 'pg_class'::regclass,
                                   'pg_namespace'::regclass, 'pg_event_trigger'::regclass)
  UNION ALL
  SELECT 'Column', quote_ident(n.nspname) || '.' || quote_ident(c.relname),
         a.attname || '{SEP}' || format_type(a.atttypid, a.atttypmod) || '{SEP}' || a.attnum
           || '{SEP}' || coalesce(col_description(c.oid, a.attnum), '')
    FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid AND c.relkind IN ('r', 'p', 'v')
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'Column', format_type(t.oid, NULL),
         a.attname || '{SEP}' || format_type(a.atttypid, a.atttypmod) || '{SEP}' || a.attnum
           || '{SEP}' || coalesce(col_description(t.typrelid, a.attnum), '')
    FROM m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid AND t.typtype = 'c'
    JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
)
SELECT kind || '{SEP}' || sig || '{SEP}' || coalesce(replace(comment, E'\n', ' '), '') FROM rows;
""".replace("{SEP}", "' || chr(31) || '")

SETTINGS_SQL = r"""
SET search_path = pg_catalog;
SELECT '0:1'::pm.tiers IS NOT NULL;  -- loads the library, which defines the settings
SELECT 'Setting' || chr(31) || name || ' ' || vartype || ' DEFAULT ' || boot_val || chr(31)
       || short_desc || coalesce(' ' || extra_desc, '')
  FROM pg_settings WHERE name LIKE 'portfolio_margin.%';
"""


def psql(sql):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"],
                         input=sql, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return out.stdout


def parse_members(text):
    """{(kind, sig): comment} and {relation: [(column, type, comment)]}."""
    members, columns = {}, {}
    for line in text.splitlines():
        if SEP not in line:
            continue
        kind, sig, rest = line.split(SEP, 2)
        if kind == "Column":
            name, typ, num, comment = rest.split(SEP, 3)
            columns.setdefault(sig, []).append((int(num), name, typ, comment))
        else:
            members[(kind, sig)] = rest
    return members, {rel: [(n, t, c) for _, n, t, c in sorted(cols)] for rel, cols in columns.items()}


def versions():
    """Every version the install and upgrade scripts reach, oldest first."""
    found = set()
    for f in os.listdir(os.path.join(ROOT, "sql")):
        m = re.fullmatch(r"portfolio_margin--([0-9.]+)(?:--([0-9.]+))?\.sql", f)
        if m:
            found.update(v for v in m.groups() if v)
    return sorted(found, key=lambda v: tuple(int(x) for x in v.split(".")))


def since_by_walk():
    """First version at which each member and column exists, installing the
    oldest version and updating one step at a time, all rolled back."""
    vs = versions()
    script = ["BEGIN;", "DROP EXTENSION portfolio_margin;",
              f"CREATE EXTENSION portfolio_margin VERSION '{vs[0]}';",
              f"\\echo @@{vs[0]}", MEMBERS_SQL]
    for v in vs[1:]:
        script += [f"ALTER EXTENSION portfolio_margin UPDATE TO '{v}';", f"\\echo @@{v}", MEMBERS_SQL]
    script.append("ROLLBACK;")
    out = psql("\n".join(script))
    since, col_since = {}, {}
    for chunk in out.split("@@")[1:]:
        version, _, body = chunk.partition("\n")
        members, columns = parse_members(body)
        for key in members:
            since.setdefault(key, version)
        for rel, cols in columns.items():
            for name, _, _ in cols:
                col_since.setdefault((rel, name), version)
    return since, col_since


def cells(line):
    """The cells of a Markdown table row; '\\|' is a pipe inside a cell."""
    parts = re.split(r"(?<!\\)\|", line.strip())
    return [p.strip().replace("\\|", "|") for p in parts[1:-1]]


def code(cell):
    m = re.fullmatch(r"`([^`]+)`", cell)
    return m.group(1) if m else None


def parse_reference(path):
    """Entries {(kind, sig): (description, since, line)}, columns
    {relation: [(name, type, description, since, line)]}, and problems."""
    entries, columns, problems = {}, {}, []
    lines = open(path, encoding="utf-8").read().splitlines()
    heading_code = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            m = re.search(r"`([^`]+)`", line)
            heading_code = m.group(1) if m else None
        if line.startswith("|") and i + 1 < len(lines) and re.fullmatch(r"\|[-:| ]+\|", lines[i + 1].strip()):
            header = cells(line)
            kind = header[0]
            if kind not in KINDS and kind != "Column":
                i += 1
                continue
            idx = {h: n for n, h in enumerate(header)}
            j = i + 2
            while j < len(lines) and lines[j].startswith("|"):
                row = cells(lines[j])
                where = j + 1
                if len(row) != len(header):
                    problems.append(f"line {where}: {len(row)} cells, the header has {len(header)}")
                    j += 1
                    continue
                sig = code(row[0])
                desc = row[idx["Description"]] if "Description" in idx else ""
                since = row[idx["Since"]] if "Since" in idx else ""
                if sig is None:
                    problems.append(f"line {where}: the first cell is not one code span")
                elif kind == "Column":
                    if heading_code is None:
                        problems.append(f"line {where}: a column table under a heading without a code span")
                    else:
                        typ = code(row[idx["Type"]]) if "Type" in idx else None
                        columns.setdefault(heading_code, []).append((sig, typ, desc, since, where))
                elif (kind, sig) in entries:
                    problems.append(f"line {where}: {kind} {sig} listed twice")
                else:
                    entries[(kind, sig)] = (desc, since, where)
                j += 1
            i = j
            continue
        i += 1
    return entries, columns, problems


class Tap:
    def __init__(self):
        self.n = self.failed = 0

    def check(self, ok, what, detail=()):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {what}")
        if not ok:
            self.failed += 1
            detail = list(detail)
            for d in detail[:25]:
                print(f"#   {d}")
            if len(detail) > 25:
                print(f"#   ... and {len(detail) - 25} more")


def row(kind, sig, comment, since):
    desc = (comment or "TODO").replace("|", "\\|")
    return f"| `{sig}` | {desc} | {since} |"


def main():
    members, columns = parse_members(psql(MEMBERS_SQL))
    settings, _ = parse_members(psql(SETTINGS_SQL))
    members.update(settings)
    since, col_since = since_by_walk()

    if "--missing" in sys.argv:
        entries, doc_columns, _ = parse_reference(REFERENCE) if os.path.exists(REFERENCE) else ({}, {}, [])
        for kind in KINDS:
            rows = [row(kind, sig, c, since.get((kind, sig), "?"))
                    for (k, sig), c in sorted(members.items()) if k == kind and (k, sig) not in entries]
            if rows:
                print(f"\n| {kind} | Description | Since |\n|---|---|---|")
                print("\n".join(rows))
        for rel, cols in sorted(columns.items()):
            if rel not in doc_columns:
                print(f"\n#### `{rel}`\n\n| Column | Type | Description | Since |\n|---|---|---|---|")
                for name, typ, c in cols:
                    print(f"| `{name}` | `{typ}` | {(c or 'TODO').replace('|', chr(92) + '|')} "
                          f"| {col_since.get((rel, name), '?')} |")
        return 0

    tap = Tap()
    entries, doc_columns, problems = parse_reference(REFERENCE)
    tap.check(not problems, "docs/reference.md parses: every row of a kind's table is one code span "
              "and its cells", problems)

    kinds = KINDS + sorted({k for k, _ in members if k not in KINDS})
    for kind in kinds:
        have = {s for k, s in members if k == kind}
        listed = {s for k, s in entries if k == kind}
        tap.check(have <= listed, f"every {kind.lower()} of the extension is in the reference "
                  f"({len(have)})", [f"not listed: {s}" for s in sorted(have - listed)])
        tap.check(listed <= have, f"the reference lists no {kind.lower()} that the extension lacks",
                  [f"line {entries[(kind, s)][2]}: not a member: {s}" for s in sorted(listed - have)])

    bad = []
    for rel, cols in sorted(columns.items()):
        doc = [(n, t) for n, t, _, _, _ in doc_columns.get(rel, [])]
        if doc != [(n, t) for n, t, _ in cols]:
            bad.append(f"{rel}: the catalog has {', '.join(n + ' ' + t for n, t, _ in cols)}")
            bad.append(f"{rel}: the reference has {', '.join(f'{n} {t}' for n, t in doc) or 'nothing'}")
    bad += [f"columns listed for {rel}, which has none in the catalog"
            for rel in sorted(set(doc_columns) - set(columns))]
    tap.check(not bad, "every table, view and composite type has its columns listed, in order, "
              "with their types", bad)

    wrong = []
    for key, (_, s, where) in sorted(entries.items(), key=lambda e: e[1][2]):
        if key in since and s != since[key]:
            wrong.append(f"line {where}: {key[1]}: since {s}, but the scripts create it in {since[key]}")
    for rel, cols in doc_columns.items():
        for name, _, _, s, where in cols:
            v = col_since.get((rel, name))
            if v and s != v:
                wrong.append(f"line {where}: {rel}.{name}: since {s}, but the scripts create it in {v}")
    settings_since = [f"line {w}: {sig}: no since" for (k, sig), (_, s, w) in entries.items()
                      if k == "Setting" and not re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", s)]
    tap.check(not wrong and not settings_since,
              "every since is the first version whose script creates the object", wrong + settings_since)

    empty = [f"line {w}: {sig}" for (_, sig), (d, _, w) in entries.items() if not d.strip()]
    empty += [f"line {w}: {rel}.{n}" for rel, cols in doc_columns.items()
              for n, _, d, _, w in cols if not d.strip()]
    tap.check(not empty, "every entry and column has a description", empty)

    print(f"1..{tap.n}")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
