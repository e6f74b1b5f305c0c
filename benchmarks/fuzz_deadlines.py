"""Fuzz the deadline language: 100,000 generated and mutated phrases, no exception but a refusal.

Run from the repository root: ``python benchmarks/fuzz_deadlines.py [COUNT] [SEED]``. Phrases come
from three sources in turn: the seed vectors and the corpus (tests/data/) mutated (a character
inserted, deleted or replaced, two words swapped, a number changed, text glued or cut), random
sequences of the grammar's own words, and random text. Each is compiled against a random period
(one to four years) with and without an anchor, and explained. Anything but a ``DeadlineError``
is a failure; so is a schedule that breaks its invariants (occurrences in order, start ≤ due,
dates only for dated kinds) or a refusal that is not one or two lines. Prints the figures and
exits 1 on any failure.
"""

from __future__ import annotations

import random
import sys
import time
import traceback
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common.errors import DeadlineError  # noqa: E402
from definitions.deadlines import explain_deadline, move_days_off, parse_deadline  # noqa: E402

DATA = ROOT / "tests" / "data"
WORDS = (
    "до с по в к на не позднее позже течение период всего ежегодно ежеквартально ежемесячно "
    "постоянно далее необходимости мере последующим обновлением года г гг г.г. учебный учебного "
    "год квартал кв. полугодие декада I II III IV 1 2 3 5 10 12 15 20 29 30 31 00 2021 2022 2023 "
    "2024 2025 1899 9999 15.05 15.05.2022 31.02.2022 29.02 30.08..2022 май мая декабрь января "
    "февраля сентября - — – , ( ) . .. / * « » : рабочих календарных дней недель месяца месяц "
    "3-месячный срок и первый второе -й -я числа каждого раз раза реже конец концу отчетным "
    "следующего за после издания приказа со дня момента срок: по графику итогам мониторинга "
    "запросов"
).split()
ALPHABET = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя0123456789 .,-–—()/:;«»*№IVX\n\t"


def corpus() -> list[str]:
    """The phrases of the vectors and the corpus."""
    phrases: list[str] = []
    for name in ("deadline-vectors.tsv", "deadline_corpus.tsv"):
        path = DATA / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#"):
                    phrases.append(line.split("\t")[0])
    return [phrase for phrase in phrases if phrase and phrase != "phrase"]


def mutate(phrase: str, rng: random.Random) -> str:
    """One to three random edits of a phrase."""
    for _ in range(rng.randint(1, 3)):
        choice = rng.randrange(7)
        position = rng.randrange(len(phrase) + 1)
        if choice == 0:
            phrase = phrase[:position] + rng.choice(ALPHABET) + phrase[position:]
        elif choice == 1 and phrase:
            phrase = phrase[:position] + phrase[position + 1 :]
        elif choice == 2 and phrase:
            phrase = phrase[:position] + rng.choice(ALPHABET) + phrase[position + 1 :]
        elif choice == 3:
            words = phrase.split()
            if len(words) > 1:
                i, j = rng.randrange(len(words)), rng.randrange(len(words))
                words[i], words[j] = words[j], words[i]
            phrase = " ".join(words)
        elif choice == 4:
            phrase = "".join(
                str(rng.randint(0, 99999)) if char.isdigit() and rng.random() < 0.3 else char
                for char in phrase
            )
        elif choice == 5:
            phrase = phrase + rng.choice([" ", "", ", "]) + rng.choice(WORDS)
        else:
            phrase = phrase[:position]
    return phrase


def generate(rng: random.Random, phrases: list[str]) -> str:
    """A phrase from one of the three sources."""
    source = rng.randrange(10)
    if source < 5 and phrases:
        return mutate(rng.choice(phrases), rng)
    if source < 9:
        glue = rng.choice([" ", " ", " ", "", ", "])
        return glue.join(rng.choice(WORDS) for _ in range(rng.randint(1, 9)))
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40)))


def check(phrase: str, rng: random.Random) -> str:
    """``read`` or ``refused``; raises AssertionError on a broken invariant."""
    start = date(rng.randint(2019, 2026), rng.choice([1, 9]), 1)
    end = start + timedelta(days=365 * rng.randint(1, 4) - 1)
    anchor = start + timedelta(days=rng.randint(0, 300)) if rng.random() < 0.3 else None
    try:
        schedule = parse_deadline(phrase, period_start=start, period_end=end, anchor=anchor)
    except DeadlineError as error:
        lines = str(error).splitlines()
        assert 1 <= len(lines) <= 2, f"refusal of {len(lines)} lines"
        assert error.phrase == phrase
        return "refused"
    moved = move_days_off(schedule)
    for occurrence in schedule.occurrences:
        assert occurrence.start is None or occurrence.start <= occurrence.due
    dues = [occurrence.due for occurrence in schedule.occurrences]
    assert dues == sorted(dues), "occurrences out of order"
    assert (schedule.kind in ("unscheduled", "relative")) == (not schedule.occurrences)
    assert all(o.due >= (o.moved_from or o.due) for o in moved.occurrences)
    if rng.random() < 0.1:
        assert explain_deadline(phrase, period_start=start, period_end=end, anchor=anchor)
    return "read"


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    rng = random.Random(seed)
    phrases = corpus()
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    began = time.perf_counter()
    for _ in range(count):
        phrase = generate(rng, phrases)
        try:
            outcomes[check(phrase, rng)] += 1
        except Exception:  # noqa: BLE001 - the point: anything but a refusal is a failure
            outcomes["failed"] += 1
            if len(failures) < 10:
                failures.append(f"{phrase!r}\n{traceback.format_exc()}")
    elapsed = time.perf_counter() - began
    print(
        f"phrases: {count:,} (seed {seed}; {len(phrases)} corpus phrases mutated); "
        f"read {outcomes['read']:,}, refused {outcomes['refused']:,}, failed {outcomes['failed']:,}; "
        f"{elapsed:.1f} s, {count / elapsed:,.0f} phrases/s with checks"
    )
    for failure in failures:
        print(failure)
    return 1 if outcomes["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
