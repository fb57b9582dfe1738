"""Balances kept below product × warehouse — per batch (``stock_batch_balance``) and per storage
bin (``stock_bin_balance``) — share one pattern, implemented here once:

- ``move``: add a signed delta with a single conditional UPDATE; an outbound delta only matches
  the row while ``quantity >= need`` (unless the product allows negative stock), so the database
  is the oversell guard, exactly like the product × warehouse balance in ``inventory``;
- ``take_in_order``: split an outbound quantity over candidate rows in a given order (FEFO for
  batches, largest quantity first for bins), possibly covering less than asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import bindparam, text, update
from sqlalchemy.orm import Session

from operational.db import insert_if_absent
from operational.models import utcnow

K = TypeVar("K")

# (table name, key columns, key columns that are NULL) -> (add, take) statements, built once per
# balance kind: the cached Core UPDATE is several times cheaper per ledger line than the ORM path.
# A NULL key (the batch of a bin balance of a product without batches) is matched by IS NULL, so
# the other keys keep using the index.
_STATEMENTS: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[Any, Any]] = {}


def _statements(model: type, keys: tuple[str, ...], nulls: tuple[str, ...]) -> tuple[Any, Any]:
    table = model.__table__  # type: ignore[attr-defined]
    found = _STATEMENTS.get((table.name, keys, nulls))
    if found is None:
        qty = table.c.quantity
        match = [table.c[k].is_(None) if k in nulls else table.c[k] == bindparam(f"k_{k}") for k in keys]
        add = (update(table).where(*match)
               .values(quantity=qty + bindparam("d", type_=qty.type), updated_at=bindparam("now")))
        found = (add, add.where(qty >= bindparam("need", type_=qty.type)))
        _STATEMENTS[(table.name, keys, nulls)] = found
    return found


def move(session: Session, model: type, keys: dict[str, int | None], values: dict[str, int], delta: Decimal,
         *, allow_negative: bool) -> bool:
    """Add ``delta`` to the row of ``model`` identified by ``keys`` (created at 0 when missing;
    ``values`` are its other columns; a key may be None for a nullable key column). Returns False,
    having changed nothing, when an outbound delta would take the row below zero and negative
    stock is not allowed."""
    add, take = _statements(model, tuple(keys), tuple(k for k, v in keys.items() if v is None))
    conn = session.connection()
    params: dict[str, Any] = {f"k_{k}": v for k, v in keys.items() if v is not None}
    params.update(d=delta, now=utcnow())
    if delta >= 0 or allow_negative:
        if conn.execute(add, params).rowcount == 0:
            # A NULL key is not part of a unique constraint's conflict: the row is unique by the
            # other keys under a partial index "<null key> IS NULL" (see StockBinBalance).
            nulls = [k for k, v in keys.items() if v is None]
            insert_if_absent(session, model, {**keys, **values, "quantity": Decimal(0)},
                             [k for k in keys if k not in nulls],
                             index_where=text(" AND ".join(f"{k} IS NULL" for k in nulls)) if nulls else None)
            conn.execute(add, params)
        return True
    return conn.execute(take, {**params, "need": -delta}).rowcount == 1


def take_in_order(available: Iterable[tuple[K, Decimal]], quantity: Decimal) -> list[tuple[K, Decimal]]:
    """Take ``quantity`` from the candidates in the order given, each up to what it holds."""
    takes, left = [], quantity
    for key, held in available:
        if left <= 0:
            break
        if held <= 0:
            continue
        take = min(held, left)
        takes.append((key, take))
        left -= take
    return takes
