#!/usr/bin/env python3
"""Events and notifications on the demo exchange, as a risk desk sees them.

Loads the demo exchange (test/gen/exchange.sql), splits its accounts
between two desks by rows of pm.account_access, and has each desk, the
owner and a stranger listen on channel pm_risk in sessions of their own
while a writer moves BTC's index price and then its marks in one
transaction.  Checks, as the README promises:

  * no notification before the commit, and none for a rolled-back move;
  * one notification per committing transaction, whose payload names only
    the transaction (its id and time, as JSON strings) -- no account id,
    status or number -- delivered to every listener;
  * a desk following the README (read pm.risk_event after the last event id
    it read, or by the payload's xact_id) learns of its own accounts and
    of nothing else, and the two desks' events are the owner's, split;
  * the two-statement move gives each account at most one event, from its
    status before the transaction to its status at commit, for exactly the
    accounts whose status the transaction changed, with the transaction's
    id and the account's program;
  * event ids follow commit order: a second transaction that commits
    events after the first has higher ids;
  * a notification forged by a role with no grant at all (anyone may
    NOTIFY) reaches the listeners but misleads none of them: reading as
    the README says finds no event.

Prints TAP.  Standard library only; listeners are psql processes (psql
prints each notification it receives).  psql connects with the usual PG*
variables to a database where the extension is installed and empty.
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCOUNTS = int(os.environ.get("PM_ACCOUNTS", "2000"))
SPLIT = ACCOUNTS // 2

n_checks = 0
failed = 0


def check(ok, what, detail=None):
    global n_checks, failed
    n_checks += 1
    print(f"{'ok' if ok else 'not ok'} {n_checks} - {what}")
    if not ok:
        failed += 1
        for line in (detail or [])[:10]:
            print(f"#   {line}")


def psql(sql):
    out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return out.stdout


NOTICE = re.compile(r'^Asynchronous notification "([^"]*)" with payload "(.*)" received from server process')


class Session:
    """A psql process kept open: statements in, rows and notifications out."""

    def __init__(self, role=None):
        self.p = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.notes = []
        if role:
            self.run(f"SET ROLE {role};")

    def run(self, sql):
        """Rows printed by sql; notifications received meanwhile are kept."""
        self.p.stdin.write(sql + "\n\\echo __done__\n")
        self.p.stdin.flush()
        rows = []
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise RuntimeError("psql ended: " + "\n".join(rows))
            line = line.rstrip("\n")
            if line == "__done__":
                return rows
            m = NOTICE.match(line)
            if m:
                self.notes.append((m.group(1), m.group(2).replace('\\"', '"')))
            elif line.startswith(("ERROR", "psql:")):
                raise RuntimeError(line)
            elif line:
                rows.append(line)

    def poll(self):
        """Notifications that arrived since the last call."""
        self.run("SELECT 1;")
        notes, self.notes = self.notes, []
        return notes

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def events_after(session, last):
    """What the README tells a listener to do: its events after the last it read."""
    rows = session.run(f"SELECT event_id, account_id, old_status, new_status, program, xact_id "
                       f"FROM pm.risk_event WHERE event_id > {last} ORDER BY event_id;")
    return [r.split("|") for r in rows]


def events_of(session, payload):
    """Or: the events of the transaction a payload names (none if it names none)."""
    try:
        xact = json.loads(payload).get("xact_id")
    except (ValueError, AttributeError):
        return []
    if not isinstance(xact, str) or not xact.isdigit():
        return []
    rows = session.run(f"SELECT event_id, account_id, old_status, new_status, program, xact_id "
                       f"FROM pm.risk_event WHERE xact_id = '{xact}' ORDER BY event_id;")
    return [r.split("|") for r in rows]


def statuses():
    rows = psql("SELECT account_id, committed_status, program FROM pm.account_state ORDER BY 1")
    return {int(a): (s, p) for a, s, p in (r.split("|") for r in rows.splitlines())}


def main():
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"accounts={ACCOUNTS}",
                    "-v", "seed=7", "-f", os.path.join(ROOT, "test/gen/exchange.sql")],
                   check=True, capture_output=True)
    psql(f"""
      DROP ROLE IF EXISTS pm_desk_low; DROP ROLE IF EXISTS pm_desk_high; DROP ROLE IF EXISTS pm_stranger;
      CREATE ROLE pm_desk_low IN ROLE pm_reader; CREATE ROLE pm_desk_high IN ROLE pm_reader;
      CREATE ROLE pm_stranger;
      INSERT INTO pm.account_access VALUES ('pm_desk_low', '[1,{SPLIT}]'),
                                           ('pm_desk_high', '[{SPLIT + 1},]');""")
    low, high, owner, stranger = (Session("pm_desk_low"), Session("pm_desk_high"), Session(),
                                  Session("pm_stranger"))
    listeners = {"low": low, "high": high, "owner": owner}
    last = {}
    for name, s in listeners.items():
        s.run("LISTEN pm_risk;")
        last[name] = int(s.run("SELECT coalesce(max(event_id), 0) FROM pm.risk_event;")[0])
    stranger.run("LISTEN pm_risk;")

    # a move rolled back notifies nobody
    writer = Session()
    writer.run("BEGIN; UPDATE pm.asset SET index_price = index_price * 0.7 WHERE asset = 'BTC'; ROLLBACK;")
    check(all(not s.poll() for s in listeners.values()), "a rolled-back price move notifies nobody")

    # BTC's index, then its marks, in one transaction
    before = statuses()
    writer.run("BEGIN;")
    writer.run("UPDATE pm.asset SET index_price = index_price * 0.84 WHERE asset = 'BTC';")
    writer.run("UPDATE pm.symbol SET mark_price = mark_price * 0.84 WHERE base_asset = 'BTC';")
    check(all(not s.poll() for s in listeners.values()) and not stranger.poll(),
          "nothing is announced before the commit")
    xact = writer.run("SELECT pg_current_xact_id();")[0]
    writer.run("COMMIT;")
    after = statuses()

    notes = {name: s.poll() for name, s in listeners.items()}
    stranger_notes = stranger.poll()
    check(all(len(n) == 1 for n in notes.values()) and len(stranger_notes) == 1,
          "one notification for the committing transaction, to every listener",
          [f"{k}: {v}" for k, v in notes.items()])
    payload = notes["owner"][0][1]
    fields = json.loads(payload)
    check(sorted(fields) == ["at", "xact_id"] and all(isinstance(v, str) for v in fields.values())
          and fields["xact_id"] == xact,
          "the payload names only the transaction: its id and time, as JSON strings", [payload])

    seen = {name: events_after(s, last[name]) for name, s in listeners.items()}
    by_xact = {name: events_of(s, payload) for name, s in listeners.items()}
    check(seen == by_xact, "reading after the last event id and reading by the payload's xact_id agree")
    ids = {name: {int(e[1]) for e in ev} for name, ev in seen.items()}
    check(ids["low"] and ids["high"] and all(a <= SPLIT for a in ids["low"])
          and all(a > SPLIT for a in ids["high"]),
          f"each desk learns of its own accounts only ({len(ids['low'])} and {len(ids['high'])} accounts)",
          [f"low: {sorted(ids['low'])[-5:]}", f"high: {sorted(ids['high'])[:5]}"])
    check(sorted(seen["low"] + seen["high"]) == sorted(seen["owner"]),
          "and the two desks' events are the owner's, split between them")

    events = seen["owner"]
    changed = {a for a in after if after[a][0] != before.get(a, (None,))[0]}
    per_account = {}
    for e in events:
        per_account.setdefault(int(e[1]), []).append(e)
    bad = [f"account {a}: {len(ev)} events" for a, ev in per_account.items() if len(ev) != 1]
    bad += [f"account {e[1]}: {e[2]} -> {e[3]}, was {before[int(e[1])][0]}, is {after[int(e[1])][0]}"
            for e in events if (e[2], e[3]) != (before[int(e[1])][0], after[int(e[1])][0])]
    bad += [f"account {e[1]}: program {e[4]}, xact {e[5]}" for e in events
            if e[4] != after[int(e[1])][1] or e[5] != xact]
    check(not bad and set(per_account) == changed and len(changed) > 0,
          f"the two-statement move gives one event per account whose status it changed "
          f"({len(changed)}), from its status before the transaction, with its id and program", bad)

    # event ids in commit order: a second transaction, begun first, commits later
    first, second = Session(), Session()
    first.run("BEGIN; SELECT pg_current_xact_id();")
    second.run("BEGIN; UPDATE pm.asset SET index_price = index_price * 0.5 WHERE asset = 'ETH'; COMMIT;")
    first.run("UPDATE pm.asset SET index_price = index_price * 0.5 WHERE asset = 'BTC'; COMMIT;")
    rows = psql(f"SELECT xact_id, min(event_id), max(event_id) FROM pm.risk_event "
                f"WHERE event_id > {max(int(e[0]) for e in events)} GROUP BY xact_id ORDER BY 2")
    spans = [tuple(map(int, r.split("|"))) for r in rows.splitlines()]
    check(len(spans) == 2 and spans[0][2] < spans[1][1],
          "events of one commit come before the next commit's: ids follow commit order", rows.splitlines())
    for s in (first, second):
        s.close()
    for s in listeners.values():
        s.poll()

    # a forged notification: delivered, and it misleads no one who reads as the README says
    cursor = {name: int(s.run("SELECT coalesce(max(event_id), 0) FROM pm.risk_event;")[0])
              for name, s in listeners.items()}
    stranger.run("""SELECT pg_notify('pm_risk', '{"account_id": 5, "new_status": "FORCE_LIQUIDATION", """
                 """"uni_mmr": "0.5", "xact_id": "1"}');""")
    forged = {name: s.poll() for name, s in listeners.items()}
    check(all(len(n) == 1 for n in forged.values()),
          "a role with no grant can send a notification on pm_risk, and every listener gets it")
    misled = {name: events_after(s, cursor[name]) + events_of(s, forged[name][0][1])
              for name, s in listeners.items()}
    check(all(not m for m in misled.values()),
          "but reading as the README says finds no event: the forgery misleads nobody",
          [f"{k}: {v[:3]}" for k, v in misled.items()])

    for s in list(listeners.values()) + [stranger, writer]:
        s.close()
    psql("DELETE FROM pm.account_access; DROP ROLE pm_desk_low; DROP ROLE pm_desk_high; DROP ROLE pm_stranger;")
    print(f"1..{n_checks}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
