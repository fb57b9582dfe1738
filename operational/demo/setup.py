"""Day one of the demo company: company record, people and users, warehouses (the three selling
ones, the quarantine warehouse 待检仓 for returned goods and the in-transit warehouse), catalogue,
suppliers (some accept slightly more than ordered) and customers, stock limits and opening
balances — all through the services.

The main random stream decides names and numbers in a fixed order; what was added later (supplier
terms, the extra warehouses) draws from streams of its own so the rest of the company stays the same.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from faker import Faker
from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from operational.demo import catalog
from operational.demo.profiles import supplier_categories
from operational.models import (
    Customer,
    Product,
    ProductCategory,
    StockBalance,
    StockLedger,
    StockLimit,
    Warehouse,
    utcnow,
)
from operational.services import auth, inventory, masterdata, tax, transfers, units

DEMO_PASSWORD = auth.DEMO_PASSWORD  # one definition: the login refuses it outside the demo
# One user per role; the username is the role.
DEMO_USERS: list[tuple[str, str, str]] = [
    ("admin", "admin", "系统管理员"),
    ("purchasing", "purchasing", "采购员"),
    ("sales", "sales", "销售员"),
    ("warehouse", "warehouse", "仓管员"),
    ("finance", "finance", "财务"),
    ("manager", "manager", "总经理"),
    ("analyst", "analyst", "数据分析师"),
]

LEAD_TIMES = (3, 5, 7, 7, 10, 14, 14, 21, 30)
PAYMENT_TERMS = (0, 15, 30, 30, 45, 60, 90)
BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "招商银行", "交通银行", "上海浦东发展银行")
MAIL_WORDS = ("hengda", "jinyuan", "xinhua", "huarun", "tianyi", "meida", "kanghui", "fengyuan", "ruixiang")
TOLERANT_SHARE = 0.3  # suppliers whose deliveries may exceed the order by a few per cent
QUARANTINE_CODE, QUARANTINE_NAME = "QC01", "待检仓"
CREDIT_LIMITS = (20_000, 50_000, 50_000, 100_000, 200_000, 500_000)


@dataclass(frozen=True)
class Sizes:
    """How big the company is at a given scale (volume per customer stays the same)."""

    products: int
    suppliers: int
    customers: int
    sales_reps: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        root = math.sqrt(scale)
        return cls(products=max(60, round(200 * root)), suppliers=max(12, round(24 * root)),
                   customers=max(40, round(320 * scale)), sales_reps=max(3, round(8 * root)))


def create_company(session: Session, rng: random.Random, fake: Faker, sizes: Sizes, first_day: date,
                   *, bulk: bool = False) -> None:
    """Everything except stock: limits and opening balances need the customers' demand first.
    ``bulk`` inserts the customers (thousands at large scales) with one Core statement."""
    company = masterdata.create_company(
        session, f"上海{fake.company_prefix()}商贸有限公司", tax_id=_tax_id(rng),
        address=f"上海市嘉定区{fake.street_name()}{rng.randint(1, 999)}号", phone=f"021-{rng.randint(50000000, 69999999)}",
    )
    reps = _create_people(session, rng, fake, sizes, first_day)
    main = None
    for code, name, province, city, _regions in catalog.WAREHOUSES:
        wh = masterdata.create_warehouse(session, code, name, address=_address(rng, fake, province, city))
        main = main or wh
    categories = [masterdata.create_category(session, c.code, c.name).id for c in catalog.CATEGORIES]
    _set_tax_rates(session, categories)
    _create_suppliers(session, rng, fake, sizes.suppliers, company.name)
    _create_products(session, rng, sizes.products, categories)
    _create_customers(session, rng, fake, sizes.customers, reps, bulk=bulk)
    # Returned goods awaiting inspection sit in a separate area of the main warehouse. The
    # in-transit warehouse would be created by the first transfer; creating it here gives both
    # writers the same warehouse ids.
    masterdata.create_warehouse(session, QUARANTINE_CODE, QUARANTINE_NAME, address=main.address if main else None,
                                kind="quarantine")
    transfers.transit_warehouse(session)


# VAT: grain and edible oil are taxed at the low rate (9 %), everything else at the standard 13 %.
LOW_RATE_CATEGORIES = frozenset({"LY"})


def _set_tax_rates(session: Session, category_ids: list[int]) -> None:
    """Two VAT rates by category (docs/vat_and_units.md); the products inherit them."""
    tax.ensure_standard_rates(session)
    for cat, cat_id in zip(catalog.CATEGORIES, category_ids, strict=True):
        tax.set_default_code(session, session.get(ProductCategory, cat_id),
                             "low" if cat.code in LOW_RATE_CATEGORIES else "standard")


def _create_people(session: Session, rng: random.Random, fake: Faker, sizes: Sizes, first_day: date) -> list[int]:
    """Employees of every department, one login per role; returns the sales reps' ids."""
    headcount = {"sales": sizes.sales_reps, "purchasing": 2, "warehouse": 3, "finance": 2, "manager": 1,
                 "admin": 1, "analyst": 1}
    first_of: dict[str, int] = {}
    reps: list[int] = []
    n = 0
    for role, count in headcount.items():
        department, position = catalog.DEPARTMENTS[role]
        for _ in range(count):
            n += 1
            emp = masterdata.create_employee(
                session, f"E{n:03d}", fake.name(), department=department, position=position,
                hire_date=first_day - timedelta(days=rng.randint(60, 3000)), phone=fake.phone_number(),
            )
            first_of.setdefault(role, emp.id)
            if role == "sales":
                reps.append(emp.id)
    for username, role, display in DEMO_USERS:
        auth.create_user(session, username, DEMO_PASSWORD, role, display, employee_id=first_of[role])
    auth.mark_demo_store(session)  # its users keep the demo password only in the demo
    return reps


def _create_suppliers(session: Session, rng: random.Random, fake: Faker, count: int, company: str) -> None:
    provinces = [(prov, cities) for _, _, provs in catalog.REGIONS for prov, cities in provs]
    for i in range(count):
        code = f"S{i + 1:03d}"
        category = catalog.CATEGORIES[supplier_categories(i, len(catalog.CATEGORIES))[0]]
        province, cities = rng.choice(provinces)
        city = rng.choice(cities)
        terms = random.Random(f"{company}|terms|{code}")
        tolerance = Decimal(terms.choice(("0.03", "0.04", "0.05"))) if terms.random() < TOLERANT_SHARE else Decimal(0)
        masterdata.create_supplier(
            session, code, f"{city}{fake.company_prefix()}{category.industry}有限公司",
            lead_time_days=rng.choice(LEAD_TIMES), payment_terms_days=rng.choice(PAYMENT_TERMS),
            contact=fake.name(), phone=fake.phone_number(), address=_address(rng, fake, province, city),
            category=category.name, over_receipt_tolerance=tolerance, prices_include_tax=True,
            email=f"sales.{code.lower()}@{terms.choice(MAIL_WORDS)}{terms.randint(1, 99)}.com.cn",
            bank_name=f"{terms.choice(BANKS)}{city}分行",
            bank_account="".join(str(terms.randrange(10)) for _ in range(19)),
        )


# Units of measure: piece goods (a bottle, a bag, a box) come from the supplier in cases of 10; the
# buyers order cases (purchase unit 箱), the shops buy single pieces (docs/vat_and_units.md).
CASE_GOODS = frozenset({"瓶", "袋", "盒"})
CASE_UNIT, CASE_FACTOR = "箱", Decimal(10)


def _create_products(session: Session, rng: random.Random, count: int, category_ids: list[int]) -> None:
    """Spread ``count`` products over the categories by how many kinds of goods each has."""
    items_total = sum(len(c.items) for c in catalog.CATEGORIES)
    bulk_goods: list[str] = []
    n = 0
    for cat, cat_id in zip(catalog.CATEGORIES, category_ids, strict=True):
        share = max(len(cat.items), round(count * len(cat.items) / items_total))
        for seq in range(1, share + 1):
            item = cat.items[(seq - 1) % len(cat.items)]
            n += 1
            brand_no = rng.randrange(len(catalog.BRANDS))
            spec = item.specs[(seq - 1) // len(cat.items) % len(item.specs)]
            price = _price(rng.uniform(item.price_lo, item.price_hi))
            sku = f"{cat.code}-{seq:04d}"
            fifo = cat.code in catalog.FIFO_CATEGORIES and rng.random() < 0.25
            masterdata.create_product(
                session, sku, f"{catalog.BRANDS[brand_no]}{item.name}", category_id=cat_id, unit=item.unit,
                barcode=_ean13(f"69{brand_no:03d}{n:07d}"), spec=spec,
                valuation_method="fifo" if fifo else "moving_average",
                list_price=price, standard_cost=(price * Decimal(str(rng.uniform(0.62, 0.82)))).quantize(Decimal("0.01")),
            )
            if cat.code == "LY" and item.unit == "袋":
                bulk_goods.append(sku)
            if item.unit in CASE_GOODS:
                # Bought by the case (多单位), sold by the piece; the case has its own barcode.
                # No random draw here, so the rest of the company is what it was without cases.
                product = masterdata.find_product(session, sku)
                assert product is not None
                units.set_unit(session, product.id, CASE_UNIT, CASE_FACTOR, barcode=_ean13(f"68{brand_no:03d}{n:07d}"))
                units.set_default_units(session, product.id, purchase_unit=CASE_UNIT)
    # Two bulk goods (sold before the delivery is booked) may go below zero.
    for sku in rng.sample(bulk_goods, k=min(2, len(bulk_goods))):
        product = masterdata.find_product(session, sku)
        assert product is not None
        product.allow_negative = True
    session.flush()


def _create_customers(session: Session, rng: random.Random, fake: Faker, count: int, reps: list[int],
                      *, bulk: bool) -> None:
    names = [r[0] for r in catalog.REGIONS]
    weights = [r[1] for r in catalog.REGIONS]
    rows = []
    for i in range(count):
        r = rng.choices(range(len(names)), weights=weights)[0]
        province, cities = rng.choice(catalog.REGIONS[r][2])
        city = rng.choice(cities)
        # reps cover regions; a neighbour region's rep now and then
        rep = reps[(r + (1 if rng.random() < 0.15 else 0)) % len(reps)]
        rows.append({
            "code": f"C{i + 1:04d}", "name": f"{city}{fake.company_prefix()}{rng.choice(catalog.CUSTOMER_KINDS)}",
            "credit_limit": Decimal(rng.choice(CREDIT_LIMITS)), "payment_terms_days": rng.choice(PAYMENT_TERMS),
            "contact": fake.name(), "phone": fake.phone_number(), "address": _address(rng, fake, province, city),
            "region": names[r], "salesperson_id": rep, "prices_include_tax": True,  # 含税价, as Chinese buyers quote
        })
    if bulk:
        now = utcnow()
        session.execute(insert(Customer.__table__), [{**row, "created_at": now, "updated_at": now} for row in rows])
        return
    for row in rows:
        masterdata.create_customer(session, row.pop("code"), row.pop("name"), **row)


def post_stock(session: Session, limits: dict[tuple[int, int], tuple[int, int, int]],
               costs: dict[int, Decimal], on: date, *, bulk: bool = False) -> None:
    """Min/max per product × warehouse and the opening balance (期初) that day one starts from."""
    if bulk:
        post_stock_rows(session.connection(), limits, costs, on)
        return
    # Held so the services' lookups by id hit the identity map (it keeps objects only weakly).
    held = [*session.execute(select(Product)).scalars(), *session.execute(select(Warehouse)).scalars()]
    for (pid, wid), (lo, hi, opening) in limits.items():
        masterdata.set_stock_limit(session, pid, wid, lo, hi)
        if opening > 0:
            inventory.post_opening_balance(session, pid, wid, Decimal(opening), costs[pid], on, doc_no="OPENING")
    del held


def post_stock_rows(conn: Connection, limits: dict[tuple[int, int], tuple[int, int, int]],
                    costs: dict[int, Decimal], on: date) -> None:
    """``post_stock`` as Core inserts (bulk path): the same limit, ledger and balance rows."""
    now = utcnow()
    conn.execute(insert(StockLimit.__table__), [
        {"product_id": p, "warehouse_id": w, "min_qty": Decimal(lo), "max_qty": Decimal(hi), "created_at": now,
         "updated_at": now} for (p, w), (lo, hi, _) in limits.items()])
    stocked = [(p, w, Decimal(opening)) for (p, w), (_, _, opening) in limits.items() if opening > 0]
    if not stocked:
        return
    conn.execute(insert(StockLedger.__table__), [
        {"movement_date": on, "posted_at": now, "product_id": p, "warehouse_id": w, "movement_type": "opening",
         "quantity": q, "unit_cost": costs[p], "doc_type": "opening", "doc_id": 0, "doc_line_id": None,
         "doc_no": "OPENING"} for p, w, q in stocked])
    conn.execute(insert(StockBalance.__table__), [
        {"product_id": p, "warehouse_id": w, "quantity": q, "updated_at": now} for p, w, q in stocked])


def _address(rng: random.Random, fake: Faker, province: str, city: str) -> str:
    place = province if province.startswith(city) else f"{province}{city}市"
    return f"{place}{fake.street_name()}{rng.randint(1, 999)}号"


def _price(value: float) -> Decimal:
    """Shelf-style prices: whole yuan for dear goods, .5/.8/.9 endings for cheap ones."""
    if value >= 50:
        return Decimal(round(value))
    return Decimal(int(value)) + Decimal(("0.5", "0.8", "0.9", "0")[int(value * 10) % 4])


def _ean13(first12: str) -> str:
    digits = [int(ch) for ch in first12]
    check = (10 - (sum(digits[0::2]) + 3 * sum(digits[1::2])) % 10) % 10
    return f"{first12}{check}"


def _tax_id(rng: random.Random) -> str:
    """统一社会信用代码-shaped (18 characters)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return "91310114" + "".join(rng.choice(alphabet) for _ in range(10))
