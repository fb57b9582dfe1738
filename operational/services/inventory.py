"""Stock posting: every stock change is one ledger row plus an update of the balance, in the
caller's transaction.

The oversell guard is a single conditional UPDATE (``quantity + delta >= 0``): the database
decides, so of two concurrent shipments of the last unit exactly one matches the row and the
other sees rowcount 0 and is refused, on SQLite (writers serialised by BEGIN IMMEDIATE) and on
PostgreSQL (the row lock makes the second UPDATE re-check the committed quantity).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from operational.db import insert_if_absent
from operational.models import MOVEMENT_TYPES, Product, StockBalance, StockLedger, Warehouse, utcnow
from operational.services.errors import InsufficientStockError, ValidationError


@dataclass(frozen=True)
class Movement:
    product_id: int
    warehouse_id: int
    quantity: Decimal  # signed: + into stock, − out of stock
    movement_type: str
    movement_date: date
    doc_type: str
    doc_id: int
    doc_no: str
    doc_line_id: int | None = None
    unit_cost: Decimal | None = None
    line_no: int | None = None  # for error messages only
    record: str | None = None  # what the clerk is working on (the order), for error messages
    source_ledger_id: int | None = None  # a return: the ledger row it returns


def post_movements(session: Session, movements: list[Movement]) -> list[StockLedger]:
    """Append ledger rows and move balances; raises InsufficientStockError and writes nothing
    of its own if any outbound movement would go below zero (the caller's transaction rolls back)."""
    rows = []
    for mv in movements:
        if mv.movement_type not in MOVEMENT_TYPES:
            raise ValidationError("invalid_choice", field="movement_type", field_label="movement_type",
                                  value=mv.movement_type)
        _apply_to_balance(session, mv)
        row = StockLedger(
            movement_date=mv.movement_date, product_id=mv.product_id, warehouse_id=mv.warehouse_id,
            movement_type=mv.movement_type, quantity=mv.quantity, unit_cost=mv.unit_cost,
            doc_type=mv.doc_type, doc_id=mv.doc_id, doc_line_id=mv.doc_line_id, doc_no=mv.doc_no,
            source_ledger_id=mv.source_ledger_id,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


# Built once: the ORM bulk-UPDATE path costs ~6× more CPU per ledger line than a cached Core statement.
_BALANCE = StockBalance.__table__
_ADD = (
    update(_BALANCE)
    .where(_BALANCE.c.product_id == bindparam("p"), _BALANCE.c.warehouse_id == bindparam("w"))
    .values(quantity=_BALANCE.c.quantity + bindparam("d", type_=_BALANCE.c.quantity.type),
            updated_at=bindparam("now"))
)
_TAKE = _ADD.where(_BALANCE.c.quantity >= bindparam("need", type_=_BALANCE.c.quantity.type))


def _apply_to_balance(session: Session, mv: Movement) -> None:
    conn = session.connection()
    delta = mv.quantity
    params = {"p": mv.product_id, "w": mv.warehouse_id, "d": delta, "now": utcnow()}
    product = session.get(Product, mv.product_id) if delta < 0 else None
    if delta >= 0 or (product is not None and product.allow_negative):
        if conn.execute(_ADD, params).rowcount == 0:
            _ensure_balance_row(session, mv.product_id, mv.warehouse_id)
            conn.execute(_ADD, params)
        return
    if conn.execute(_TAKE, {**params, "need": -delta}).rowcount != 1:
        warehouse = session.get(Warehouse, mv.warehouse_id)
        raise InsufficientStockError(
            "insufficient_stock", record=mv.record or mv.doc_no, field=f"lines.{mv.line_no}.quantity" if mv.line_no else None,
            line_no=mv.line_no, sku=product.sku if product else mv.product_id,
            warehouse=warehouse.name if warehouse else mv.warehouse_id,
            available=on_hand(session, mv.product_id, mv.warehouse_id), quantity=-delta,
        )


def _ensure_balance_row(session: Session, product_id: int, warehouse_id: int) -> None:
    insert_if_absent(session, StockBalance,
                     {"product_id": product_id, "warehouse_id": warehouse_id, "quantity": Decimal(0)},
                     ["product_id", "warehouse_id"])


def on_hand(session: Session, product_id: int, warehouse_id: int) -> Decimal:
    qty = session.execute(
        select(StockBalance.quantity).where(
            StockBalance.product_id == product_id, StockBalance.warehouse_id == warehouse_id
        )
    ).scalar_one_or_none()
    return qty if qty is not None else Decimal(0)


def post_opening_balance(session: Session, product_id: int, warehouse_id: int, quantity: Decimal,
                         unit_cost: Decimal, on: date, doc_no: str = "OPENING") -> StockLedger:
    """Record stock that existed before the system (期初库存) with its unit cost."""
    return post_movements(session, [Movement(
        product_id=product_id, warehouse_id=warehouse_id, quantity=quantity, movement_type="opening",
        movement_date=on, doc_type="opening", doc_id=0, doc_no=doc_no, unit_cost=unit_cost,
    )])[0]
