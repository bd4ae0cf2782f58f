"""A small ledger whose every number was counted by hand (the expected figures are in test_rates.py).

Period: November 2026 (1–30 Nov, China Standard Time). Comments give each
person's part in the counts.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from shared.coverage import CHINA_TZ, Period
from tests.coverage.factories import T0, Ledger, small_tree

NOVEMBER = Period.month("2026-11")


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA_TZ)


def build() -> tuple[Ledger, dict[str, dict]]:
    ledger = Ledger()
    t = small_tree(ledger)
    a1, a2, b1 = t["grid_a1"], t["grid_a2"], t["grid_b1"]
    people: dict[str, dict] = {}

    # --- grid a1 ---
    h1 = ledger.household(a1, double_unemployed=True)
    # P1: woman of 46 (40/50), registered, able; flexible work from 10 Nov: re-employed. Visited and guided.
    people["p1"] = p1 = ledger.resident(h1, sex="female", birth_date=date(1980, 6, 1))
    ledger.registered_unemployed(p1, date(2026, 3, 1))
    ledger.status(p1, "employment", "flexible", date(2026, 11, 10))
    # P2: man of 36, registered, able, still unemployed. Visited (same household), not guided. Entered without a
    # phone number; the phone was filled on 3 December: incomplete at November's end although complete today.
    people["p2"] = p2 = ledger.resident(h1, sex="male", birth_date=date(1990, 1, 1), entered_at=None)
    ledger.information(p2, T0, complete=False, missing=["phone"])
    ledger.information(p2, cst(2026, 12, 3, 10, 0, 0), complete=True, missing=[])
    ledger.registered_unemployed(p2, date(2026, 5, 1))
    # the last second of November counts: met, guidance for P1 only, received an hour later
    ledger.visit(h1, cst(2026, 11, 30, 23, 59, 59), guidance_given=True, resident_ids=[p1["id"]],
                 received_at=cst(2026, 12, 1, 0, 59, 59))

    h2 = ledger.household(a1)
    # P3: man of 56 (40/50), registered on the period's last day, able. Not visited (met only a second too late).
    # Only a name from the unemployment register: never entered (nor complete), though every field is filled.
    people["p3"] = p3 = ledger.resident(h2, sex="male", birth_date=date(1970, 2, 2), entered_at=None)
    ledger.registered_unemployed(p3, date(2026, 11, 30))
    ledger.visit(h2, cst(2026, 12, 1, 0, 0, 0), guidance_given=True, received_at=cst(2026, 12, 1, 1, 0, 0))
    # nobody at home at the period's first second; received exactly 72 hours later: on time
    ledger.visit(h2, cst(2026, 11, 1, 0, 0, 0), "not_home", received_at=cst(2026, 11, 4, 0, 0, 0))

    h3 = ledger.household(a1, single_parent=True)
    # P4: employed since 15 Oct, so employed for the whole of November: not registered unemployed in P.
    people["p4"] = p4 = ledger.resident(h3, sex="female", birth_date=date(1995, 1, 1))
    ledger.registered_unemployed(p4, date(2026, 1, 1))
    ledger.status(p4, "employment", "employed", date(2026, 10, 15))

    h4 = ledger.household(a1, zero_employment=True, zero_employment_identified_on=date(2026, 11, 5))
    # P5: registered, not able and willing; employed on 20 Nov: meets the 20-day clock (deadline 25 Nov).
    people["p5"] = p5 = ledger.resident(h4, sex="male", birth_date=date(1985, 4, 4))
    ledger.registered_unemployed(p5, date(2026, 10, 1), able=False)
    ledger.status(p5, "ability", "unable", date(2026, 10, 1))
    ledger.status(p5, "employment", "employed", date(2026, 11, 20))
    # P6: retired, never registered.
    people["p6"] = p6 = ledger.resident(h4, sex="female", birth_date=date(1960, 1, 1), employment_status="retired")
    ledger.status(p6, "employment", "retired", date(2020, 1, 1))
    # met, the guidance service item, nobody named (the whole household); received 72 h + 1 s later: late
    ledger.visit(h4, cst(2026, 11, 6, 10, 0, 0), services=["guidance_training_information"],
                 received_at=cst(2026, 11, 9, 10, 0, 1))

    h5 = ledger.household(a1)
    # P7: registered only from 1 Dec: not in November's base.
    people["p7"] = p7 = ledger.resident(h5)
    ledger.registered_unemployed(p7, date(2026, 12, 1))

    # --- grid a2 ---
    h6 = ledger.household(a2)
    # P8: deregistered on 31 Oct: registered on no day of November.
    people["p8"] = p8 = ledger.resident(h6)
    ledger.registered_unemployed(p8, date(2026, 2, 1))
    ledger.status(p8, "registration", "deregistered", date(2026, 10, 31))

    h7 = ledger.household(a2, zero_employment=True, zero_employment_identified_on=date(2026, 10, 1), relocated=True)
    # P9: woman of 43 (40/50), registered, able, never employed: the household is overdue (deadline 21 Oct).
    # Relocated (棚改回迁): 0 of 1 relocated people employed.
    people["p9"] = p9 = ledger.resident(h7, sex="female", birth_date=date(1982, 12, 1))
    ledger.registered_unemployed(p9, date(2026, 9, 1))
    ledger.visit(h7, cst(2026, 11, 15, 9, 0, 0), received_at=None)  # met, imported from a paper ledger
    ledger.visit(h7, cst(2026, 10, 31, 23, 59, 59), guidance_given=True)  # a second before November

    # --- grid b1: a community that meets every criterion ---
    h8 = ledger.household(b1, relocated=True)
    # P10: woman of 46, registered, able, employed from 15 Nov; visited with guidance, received at once. Relocated.
    people["p10"] = p10 = ledger.resident(h8, sex="female", birth_date=date(1980, 1, 1))
    ledger.registered_unemployed(p10, date(2026, 6, 1))
    ledger.status(p10, "employment", "employed", date(2026, 11, 15))
    ledger.visit(h8, cst(2026, 11, 10, 15, 0, 0), guidance_given=True, received_at=cst(2026, 11, 10, 20, 0, 0))
    t.update({"h1": h1, "h2": h2, "h3": h3, "h4": h4, "h5": h5, "h6": h6, "h7": h7, "h8": h8})
    t.update(people)
    return ledger, t


ONE_SECOND = timedelta(seconds=1)
