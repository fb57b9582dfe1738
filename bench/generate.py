"""Subprocess entry for the benchmark: create a demo store (services or bulk path), extend it by days,
or (``--check``) only check the invariants of the store there is.

Runs in its own process so that the harness can measure its time and memory like any other step.
"""

from __future__ import annotations

import argparse
from datetime import date

from operational.db import get_engine
from operational.demo import check_invariants, generate, simulate_days
from operational.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", default="2026-10-31")
    parser.add_argument("--bulk", action="store_true")
    parser.add_argument("--extend", type=int, default=0, help="simulate this many more days instead")
    parser.add_argument("--check", action="store_true", help="only check the invariants of the existing store")
    args = parser.parse_args()
    engine = get_engine()
    upgrade(engine)
    if args.check:
        problems = check_invariants(engine)
        if problems:
            raise SystemExit("invariants broken: " + "; ".join(problems[:5]))
        print("SUMMARY invariants=ok")
        return
    if args.extend:
        summary = simulate_days(engine, days=args.extend)
    else:
        summary = generate(engine, scale=args.scale, seed=args.seed, end_date=date.fromisoformat(args.end_date),
                           bulk=args.bulk)
        problems = check_invariants(engine)
        if problems:
            raise SystemExit("invariants broken: " + "; ".join(problems[:5]))
    print(f"SUMMARY sales_order_lines={summary.sales_order_lines} ledger_rows={summary.ledger_rows} "
          f"sales_orders={summary.sales_orders} purchase_orders={summary.purchase_orders} last_day={summary.last_day}")


if __name__ == "__main__":
    main()
