"""The fault run of docs/delivery.md, full size: prints how many letters were lost or sent twice.

Run from the repository root: ``python benchmarks/fault_run.py [--schools N] [--kills K]
[--seed S] [--pg URL]``. On a SQLite copy of the demo municipality with N schools launched
(12 by default; PostgreSQL with ``--pg``, a database per round), ticking on 20 May 2022 at 10:00:

- K deliverer processes (300 by default) killed with SIGKILL at random moments of a whole tick
  (decide, compose, claim, send, mark), one to three in a row per round, then the next runs
  complete the delivery;
- two ticks at once; a tick 11 minutes later (business time) overlapping a slow delivery;
- the mail server down, then closing the channel with 421 mid-run, then 451 to three letters and
  550 to one mailbox.

Every letter is counted at a real SMTP server on loopback (aiosmtpd) and every decision against
a clean run (tests/faults.py says how). It prints: letters delivered, decisions checked, lost,
second copies inside the documented window (the last letter of a killed deliverer's connection,
same bytes and Message-ID) and outside it. Exit status 1 if anything was lost or sent twice
outside the window.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.faults import campaign  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=12)
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL (a database per round)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nastavnik-faults-") as workdir:
        tally, timing = campaign(
            Path(workdir),
            schools=args.schools,
            kill_points=args.kills,
            seed=args.seed,
            pg_url=args.pg,
        )
    kind = "PostgreSQL" if args.pg else "SQLite"
    print(f"fault run on {kind}, {args.schools} schools, seed {args.seed}")
    print(
        f"rounds: {tally.rounds} ({tally.kills} kill -9 points, a whole tick lasting "
        f"{timing['span']:.2f} s; two ticks at once; a tick overlapping a slow delivery; "
        "SMTP down / 421 / 451 / 550)"
    )
    print(
        f"letters delivered: {tally.letters}; decisions checked: {tally.decisions}; "
        f"refused for good (550, reported): {tally.refused}"
    )
    print(f"lost: {tally.lost}")
    print(f"second copies inside the documented window: {tally.window}")
    print(f"second copies outside it: {tally.outside}")
    print(f"took {timing['seconds']:.0f} s")
    for line in tally.details[:20]:
        print("  " + line)
    return 1 if tally.lost or tally.outside else 0


if __name__ == "__main__":
    raise SystemExit(main())
