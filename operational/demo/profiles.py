"""How each partner and product of the demo company behaves.

Behaviour is not stored in the operational store (it has no columns for "orders every second
Tuesday"); it is derived from the company's name and the record's code, so ``generate`` and a
later ``simulate_days`` on the same store see the same suppliers and customers.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from operational.demo.calendar import category_wave, event_factor, weekday_factor
from operational.demo.catalog import CATEGORY_BY_CODE


def draws(key: str, n: int) -> list[float]:
    """``n`` (≤ 8) uniforms in [0, 1) fixed by ``key``; much cheaper than seeding a Random."""
    digest = hashlib.blake2b(key.encode(), digest_size=8 * n).digest()
    return [int.from_bytes(digest[8 * i:8 * i + 8], "big") / 2.0**64 for i in range(n)]


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method; λ is small here."""
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


# --- suppliers ---------------------------------------------------------------------------------

# name, share, on-time rate, mean days late when late, share of orders delivered short
SUPPLIER_TIERS = (
    ("excellent", 0.25, 0.95, 1.5, 0.03),
    ("good", 0.35, 0.85, 2.5, 0.08),
    ("average", 0.25, 0.70, 4.0, 0.15),
    ("poor", 0.15, 0.50, 7.0, 0.30),
)


@dataclass
class SupplierProfile:
    id: int
    code: str
    lead_time: int
    on_time_rate: float
    late_mean: float
    short_rate: float
    price_factor: float
    categories: list[int]  # indexes into the id-ordered category list
    review_weekday: int  # the purchasing clerk orders from this supplier on this weekday
    status: str = "active"  # as in the store: only active suppliers get new orders
    tolerance: Decimal = Decimal(0)  # share beyond the ordered quantity the store accepts from it
    price_phase: int = 0  # its price list changes when (day ordinal + phase) is a multiple of the period


def supplier_categories(index: int, n_categories: int) -> list[int]:
    """Supplier i makes category i mod n; every fourth one also a second category."""
    cats = [index % n_categories]
    if index % 4 == 3 and n_categories > 1:
        cats.append((index + 5) % n_categories)
    return cats


def supplier_profile(key: str, index: int, sid: int, code: str, lead_time: int, n_categories: int,
                     *, status: str = "active", tolerance: Decimal = Decimal(0)) -> SupplierProfile:
    rng = random.Random(f"{key}|S|{code}")
    _, _, on_time, late_mean, short = rng.choices(SUPPLIER_TIERS, weights=[t[1] for t in SUPPLIER_TIERS])[0]
    return SupplierProfile(
        id=sid, code=code, lead_time=lead_time, on_time_rate=on_time, late_mean=late_mean, short_rate=short,
        price_factor=rng.uniform(0.95, 1.05), categories=supplier_categories(index, n_categories),
        review_weekday=rng.randrange(5), status=status, tolerance=tolerance,
        price_phase=int(draws(f"{key}|SP|{code}", 1)[0] * 1000),
    )


# --- products ----------------------------------------------------------------------------------

@dataclass
class ProductProfile:
    id: int
    sku: str
    category_index: int
    list_price: Decimal
    standard_cost: Decimal
    allow_negative: bool
    popularity: float
    typical_qty: int  # pieces per sales line for an average customer
    order_multiple: int  # purchasing rounds up to this
    peak_month: int | None
    amplitude: float
    supplier_ids: list[int] = field(default_factory=list)  # primary first

    def wave(self, day: date) -> float:
        return category_wave(self.peak_month, self.amplitude, day)


def product_profile(key: str, pid: int, sku: str, category_index: int, category_code: str,
                    list_price: Decimal, standard_cost: Decimal, allow_negative: bool,
                    suppliers: Sequence[SupplierProfile]) -> ProductProfile:
    u = draws(f"{key}|P|{sku}", 4)
    typical = max(1, min(120, round(600 / max(float(list_price), 1.0))))
    multiple = 1 if typical < 5 else 5 if typical < 20 else 10
    category = CATEGORY_BY_CODE.get(category_code)
    candidates = [s.id for s in suppliers if category_index in s.categories] or [s.id for s in suppliers[:1]]
    primary = candidates[int(u[1] * len(candidates))]
    ordered = [primary] + [s for s in candidates if s != primary]
    if len(ordered) > 2:  # a second source, not the whole market
        ordered = ordered[:1] + [ordered[1 + int(u[2] * (len(ordered) - 1))]]
    return ProductProfile(
        id=pid, sku=sku, category_index=category_index, list_price=list_price, standard_cost=standard_cost,
        allow_negative=allow_negative, popularity=math.exp(1.1 * _normal(u[0])), typical_qty=typical,
        order_multiple=multiple, peak_month=category.peak_month if category else None,
        amplitude=category.amplitude if category else 0.0, supplier_ids=ordered,
    )


def _normal(u: float) -> float:
    """Inverse-CDF-free normal-ish draw from one uniform (logistic approximation is enough)."""
    u = min(max(u, 1e-9), 1 - 1e-9)
    return math.log(u / (1 - u)) * 0.5513


# --- customers ---------------------------------------------------------------------------------

RHYTHMS = (  # name, share of customers, scheduled orders per day when always ordering
    ("twice_weekly", 0.10, 2 / 7),
    ("weekly", 0.22, 1 / 7),
    ("biweekly", 0.25, 1 / 14),
    ("monthly", 0.25, 12 / 365),
    ("sporadic", 0.18, 0.0),
)
BASE_RATE = {name: rate for name, _, rate in RHYTHMS}


@dataclass
class CustomerProfile:
    id: int
    code: str
    warehouse_id: int
    salesperson_id: int | None
    rhythm: str
    weekday: int
    phase: int
    month_day: int
    sporadic_rate: float
    size: float
    lines_mean: float
    price_tier: Decimal
    basket: list[int]  # product ids
    basket_cum: list[float]  # cumulative popularity, for rng.choices
    credit_limit: Decimal = Decimal(0)  # 0: not checked

    @property
    def base_rate(self) -> float:
        return self.sporadic_rate if self.rhythm == "sporadic" else BASE_RATE[self.rhythm]

    def scheduled(self, day: date) -> bool:
        wd = day.weekday()
        if self.rhythm == "twice_weekly":
            return wd == self.weekday or wd == (self.weekday + 3) % 5
        if self.rhythm == "weekly":
            return wd == self.weekday
        if self.rhythm == "biweekly":
            return wd == self.weekday and (day.toordinal() // 7 + self.phase) % 2 == 0
        if self.rhythm == "monthly":
            return day.day == self.month_day
        return False

    def order_probability(self, day: date, activity: float) -> float:
        """Chance that this customer places an order on ``day``."""
        return self.probability(day, event_factor(day), weekday_factor(day), activity)

    def probability(self, day: date, e: float, w: float, activity: float) -> float:
        """``order_probability`` with the day's event and weekday factors already looked up."""
        if self.rhythm == "sporadic":
            return min(1.0, activity * self.sporadic_rate * e * w)
        p = 0.0
        if self.scheduled(day):
            p = min(1.0, 0.92 * e) * (w if self.rhythm == "monthly" else 1.0)
        if e > 1:  # promotions bring orders outside the rhythm too
            p += self.base_rate * (e - 1) * w
        return min(1.0, activity * p)

    @property
    def expected_lines(self) -> float:
        return min(1 + self.lines_mean, len(self.basket))


def pick_products(rng: random.Random, customer: CustomerProfile, count: int) -> Iterator[int]:
    """``count`` different products from the customer's basket, popular ones more often."""
    count = min(count, len(customer.basket))
    chosen: dict[int, None] = {}  # ordered, unlike a set
    for pid in rng.choices(customer.basket, cum_weights=customer.basket_cum, k=count * 2):
        chosen[pid] = None
        if len(chosen) == count:
            return iter(chosen)
    # the popular ones kept coming up again: fill with the rest of the basket
    for pid in customer.basket[rng.randrange(len(customer.basket)):] + customer.basket:
        chosen[pid] = None
        if len(chosen) == count:
            break
    return iter(chosen)


def customer_profile(key: str, cid: int, code: str, warehouse_id: int, salesperson_id: int | None,
                     products: Sequence[ProductProfile], n_categories: int, *,
                     credit_limit: Decimal = Decimal(0)) -> CustomerProfile:
    rng = random.Random(f"{key}|C|{code}")
    rhythm = rng.choices([r[0] for r in RHYTHMS], weights=[r[1] for r in RHYTHMS])[0]
    size = rng.lognormvariate(0, 0.5)
    cats = rng.sample(range(n_categories), k=min(n_categories, rng.randint(3, 7)))
    pool = [p for p in products if p.category_index in cats] or list(products)
    k = min(len(pool), rng.randint(12, 40))
    # weighted sampling without replacement (Efraimidis–Spirakis keys)
    keyed = sorted(pool, key=lambda p: -(rng.random() ** (1.0 / p.popularity)))[:k]
    keyed.sort(key=lambda p: p.id)
    cum, total = [], 0.0
    for p in keyed:
        total += p.popularity
        cum.append(total)
    tier = 1 - min(0.12, 0.03 * size + rng.uniform(0, 0.04))
    return CustomerProfile(
        id=cid, code=code, warehouse_id=warehouse_id, salesperson_id=salesperson_id, rhythm=rhythm,
        weekday=rng.randrange(5), phase=rng.randrange(2), month_day=rng.randint(1, 28),
        sporadic_rate=rng.uniform(1 / 60, 1 / 15), size=size, lines_mean=rng.uniform(5.0, 12.0),
        price_tier=Decimal(str(round(tier, 2))), basket=[p.id for p in keyed], basket_cum=cum,
        credit_limit=credit_limit,
    )


def expected_orders(customers: Sequence[CustomerProfile], days: Sequence[date], activity: float = 1.0,
                    *, lines: bool = False) -> list[float]:
    """Expected orders (or order lines) per customer over ``days``, in the order of ``customers``."""
    by_schedule: dict[tuple[str, int, int], float] = {}
    sporadic_unit = sum(event_factor(d) * weekday_factor(d) for d in days)  # rate 1, never capped
    out = []
    for c in customers:
        if c.rhythm == "sporadic":
            total = sporadic_unit * c.sporadic_rate
        else:
            sig = _schedule_key(c)
            if sig not in by_schedule:  # customers on the same schedule behave alike
                by_schedule[sig] = sum(c.order_probability(d, 1.0) for d in days)
            total = by_schedule[sig]
        value = total * activity
        out.append(value * c.expected_lines if lines else value)
    return out


def _schedule_key(c: CustomerProfile) -> tuple[str, int, int]:
    """What a scheduled customer's order chances depend on (so equal keys mean equal chances)."""
    if c.rhythm == "monthly":
        return (c.rhythm, c.month_day, 0)
    if c.rhythm == "biweekly":
        return (c.rhythm, c.weekday, c.phase)
    return (c.rhythm, c.weekday, 0)
