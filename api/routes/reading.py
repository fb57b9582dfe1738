"""Stock on hand live from the store, the published marts, and who the token belongs to."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from api import marts
from api.deps import Caller, caller, engine, require
from api.routes.common import ERRORS, READ_ERRORS, Limit, Offset, OptionalId, Search
from api.schemas import MartInfo, MartPage, MeOut, StockPage, StockRowOut
from operational.db import read_only
from operational.services import stock_queries

router = APIRouter()


@router.get("/me", response_model=MeOut, responses=ERRORS, tags=["tokens"], operation_id="me")
def me(who: Annotated[Caller, Depends(caller)]) -> Any:
    """The token's user and role."""
    return MeOut(id=who.id, username=who.username, role=who.role)


@router.get("/stock", response_model=StockPage, responses=ERRORS, tags=["stock"], operation_id="stock_on_hand",
            dependencies=[Depends(require("stock.read"))])
def stock_on_hand(request: Request, warehouse_id: OptionalId = None, search: Search = "", limit: Limit = 100,
                  offset: Offset = 0) -> Any:
    """On hand now per product × warehouse, from the store (a posting shows at once, no pipeline
    run in between); largest quantity first."""
    with read_only(engine(request)) as s:
        rows = stock_queries.current_stock(s, warehouse_id=warehouse_id, search=search, limit=limit, offset=offset)
        items = [StockRowOut.model_validate(row) for row in rows]
    return StockPage(limit=limit, offset=offset, count=len(items), items=items)


@router.get("/marts", response_model=list[MartInfo], responses=ERRORS, tags=["marts"], operation_id="list_marts")
def list_marts(who: Annotated[Caller, Depends(caller)]) -> Any:
    """The marts this token's role may read, with the filters each takes."""
    return [MartInfo(name=spec.name, date_column=spec.date_column, filters=list(spec.filters))
            for spec in marts.readable(who.role)]


@router.get("/marts/{mart}", response_model=MartPage, responses=READ_ERRORS, tags=["marts"], operation_id="read_mart")
def read_mart(who: Annotated[Caller, Depends(caller)],
              mart: Annotated[str, Path(max_length=60, pattern=r"^[a-z0-9_]+$",
                                        description="A name from GET /marts.")],
              date_from: Annotated[date | None, Query(description="First day (marts with a date column).")] = None,
              date_to: Annotated[date | None, Query(description="Last day.")] = None,
              warehouse_id: OptionalId = None, product_id: OptionalId = None, category_id: OptionalId = None,
              customer_id: OptionalId = None, supplier_id: OptionalId = None,
              limit: Limit = 100, offset: Offset = 0) -> Any:
    """A page of a published mart, in its grain order, as of the last publish (``published_at``)."""
    spec = marts.spec_for(mart, who.role)
    given = {"warehouse_id": warehouse_id, "product_id": product_id, "category_id": category_id,
             "customer_id": customer_id, "supplier_id": supplier_id}
    result = marts.read_mart(spec, filters={k: v for k, v in given.items() if v is not None}, date_from=date_from,
                             date_to=date_to, limit=limit, offset=offset)
    return MartPage(mart=spec.name, published_at=result.published_at, columns=result.columns, rows=result.rows,
                    limit=limit, offset=offset, count=len(result.rows))
