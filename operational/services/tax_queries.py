"""Read-side queries for the tax settings page (增值税设置): which rate code each product category
and product carries (and which one a product ends up with), and how each supplier and customer
states its prices. The rules themselves are in ``operational.services.tax``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import Customer, Product, ProductCategory, Supplier
from operational.services import tax


@dataclass(frozen=True)
class CategoryRate:
    id: int
    code: str
    name: str
    parent: str | None  # the parent category's code
    tax_rate_code: str | None  # its own default (None: the parent's)

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class ProductRate:
    id: int
    sku: str
    name: str
    category: str | None
    tax_rate_code: str | None  # its own default (None: its category's)
    effective_code: str | None  # what an order line gets without a rate of its own (None: no VAT)

    @property
    def label(self) -> str:
        return f"{self.sku} {self.name}"


@dataclass(frozen=True)
class PartnerBasis:
    id: int
    code: str
    name: str
    prices_include_tax: bool

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


def category_rates(session: Session) -> list[CategoryRate]:
    categories = session.execute(select(ProductCategory).order_by(ProductCategory.code)).scalars().all()
    codes = {c.id: c.code for c in categories}
    return [CategoryRate(c.id, c.code, c.name, codes.get(c.parent_id), c.tax_rate_code) for c in categories]


def product_rates(session: Session) -> list[ProductRate]:
    """Every product with its own rate code and the one its lines get (``tax.default_code``)."""
    codes = dict(session.execute(select(ProductCategory.id, ProductCategory.code)).all())
    products = session.execute(select(Product).order_by(Product.sku)).scalars().all()
    return [ProductRate(p.id, p.sku, p.name, codes.get(p.category_id), p.tax_rate_code, tax.default_code(session, p))
            for p in products]


def partner_bases(session: Session, model: type[Supplier] | type[Customer]) -> list[PartnerBasis]:
    rows = session.execute(select(model).order_by(model.code)).scalars()
    return [PartnerBasis(p.id, p.code, p.name, bool(p.prices_include_tax)) for p in rows]
