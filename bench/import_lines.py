"""Import benchmark: N historical sales-order lines (with shipments) through ``jxc import``.

``python -m bench.import_lines --lines 1000000`` (runnable alone; ``make bench`` does not run it)
generates, in a fresh data directory under ``data/bench/import/``, the master files (10 categories,
a warehouse, 20 employees, 500 products, 2,000 customers), an opening stock that covers every
shipment, and ``sales_orders.csv`` with N lines (5 per order, dated over 2024–2025, 90 % of the
orders shipped); imports the masters, then times ``jxc import sales_orders.csv`` as its own process
(seconds and peak RSS of its process tree, ``bench.measure``). The figures go to
``bench/results/import_<N>[_check].json``; docs/import.md quotes them. ``--check-only`` times the
check pass alone (nothing written).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.measure import run_measured

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PRODUCTS, CUSTOMERS, EMPLOYEES, LINES_PER_ORDER = 500, 2000, 20, 5


def _csv(path: Path, header: list[str], rows: object) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)  # type: ignore[arg-type]


def generate(folder: Path, lines: int, seed: int = 7) -> list[Path]:
    """The master files (in import order) and sales_orders.csv with ``lines`` lines."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    masters = []

    def add(name: str, header: list[str], rows: object) -> None:
        _csv(folder / name, header, rows)
        masters.append(folder / name)

    add("categories.csv", ["code", "name"], ((f"C{i}", f"类别{i}") for i in range(10)))
    add("warehouses.csv", ["code", "name"], [("WH1", "主仓")])
    add("employees.csv", ["code", "name", "department"], ((f"E{i}", f"员工{i}", "销售部") for i in range(EMPLOYEES)))
    prices = {i: round(rng.uniform(2, 200), 2) for i in range(PRODUCTS)}
    add("products.csv", ["sku", "name", "category_code", "list_price"],
        ((f"P{i:04d}", f"商品{i}", f"C{i % 10}", prices[i]) for i in range(PRODUCTS)))
    add("customers.csv", ["code", "name", "salesperson_code"],
        ((f"K{i:05d}", f"客户{i}", f"E{i % EMPLOYEES}") for i in range(CUSTOMERS)))
    add("opening_stock.csv", ["sku", "warehouse_code", "quantity", "unit_cost", "opening_date"],
        ((f"P{i:04d}", "WH1", 10_000_000, round(prices[i] * 0.6, 2), "2023-12-31") for i in range(PRODUCTS)))
    start, days = date(2024, 1, 1), 730

    def sales_rows() -> object:
        orders = (lines + LINES_PER_ORDER - 1) // LINES_PER_ORDER
        written = 0
        for n in range(orders):
            day = start + timedelta(days=n * days // orders)
            shipped = "" if rng.random() < 0.1 else (day + timedelta(days=rng.randint(0, 5))).isoformat()
            customer, employee = f"K{rng.randrange(CUSTOMERS):05d}", f"E{rng.randrange(EMPLOYEES)}"
            for product in rng.sample(range(PRODUCTS), LINES_PER_ORDER):
                if written == lines:
                    return
                written += 1
                yield (f"SO{n:07d}", day.isoformat(), customer, "WH1", employee, shipped, f"P{product:04d}",
                       rng.randint(1, 20), prices[product], rng.choice(("0", "0", "0.05", "0.1")))

    _csv(folder / "sales_orders.csv", ["order_no", "order_date", "customer_code", "warehouse_code",
                                       "salesperson_code", "ship_date", "sku", "quantity", "unit_price",
                                       "discount_rate"], sales_rows())
    return masters + [folder / "sales_orders.csv"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the data directory afterwards")
    parser.add_argument("--check-only", action="store_true", help="time the check pass alone (jxc import --check-only)")
    args = parser.parse_args()
    data_dir = ROOT / "data" / "bench" / "import"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = dict(os.environ, JXC_DATA_DIR=str(data_dir), JXC_LANG="en")
    env.pop("JXC_DATABASE_URL", None)
    jxc = str(VENV_BIN / "jxc")
    t0 = time.time()
    files = generate(data_dir / "files", args.lines)
    generated = time.time() - t0
    subprocess.run([jxc, "init"], env=env, check=True, capture_output=True)
    for path in files[:-1]:
        subprocess.run([jxc, "import", str(path), "--kind", path.stem], env=env, check=True, capture_output=True)
    print(f"  generated {args.lines:,} lines in {generated:.0f} s; importing ...", flush=True)
    m = run_measured([jxc, "import", str(files[-1]), "--kind", "sales_orders"]
                     + (["--check-only"] if args.check_only else []), env=env, cwd=str(ROOT))
    result = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "lines": args.lines,
              "check_only": args.check_only,
              "file_mb": round(files[-1].stat().st_size / 1e6, 1), "seconds": round(m.seconds, 1),
              "lines_per_second": round(args.lines / m.seconds) if m.seconds else None,
              "peak_rss_mb": round(m.peak_rss_mb), "ok": m.returncode == 0, "cpus": os.cpu_count(),
              "load_average": [round(x, 1) for x in os.getloadavg()],
              "tail": m.output_tail.strip().splitlines()[-3:]}
    print(json.dumps(result, ensure_ascii=False, indent=1))
    out = ROOT / "bench" / "results" / f"import_{args.lines}{'_check' if args.check_only else ''}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
