"""Products, customers, suppliers and warehouses: list (paged, searchable), get, create, update.
Creates and updates go through ``operational.services.masterdata``."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from api.deps import Caller, engine, idempotency_key, require, writing
from api.routes.common import (
    READ_ERRORS,
    WRITE_ERRORS,
    Limit,
    Offset,
    PathId,
    Search,
    create_once,
    fresh,
    get_or_404,
)
from api.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    ProductIn,
    ProductOut,
    ProductPatch,
    SupplierIn,
    SupplierOut,
    SupplierPatch,
    WarehouseIn,
    WarehouseOut,
    WarehousePatch,
)
from operational.db import read_only
from operational.models import Customer, Product, Supplier, Warehouse
from operational.services import masterdata

router = APIRouter(tags=["masters"])


def _create_product(s: Any, body: ProductIn) -> Product:
    data = body.model_dump()
    return masterdata.create_product(s, data.pop("sku"), data.pop("name"), **data)


def _create_customer(s: Any, body: CustomerIn) -> Customer:
    data = body.model_dump()
    return masterdata.create_customer(s, data.pop("code"), data.pop("name"), **data)


def _create_supplier(s: Any, body: SupplierIn) -> Supplier:
    data = body.model_dump()
    return masterdata.create_supplier(s, data.pop("code"), data.pop("name"), **data)


def _create_warehouse(s: Any, body: WarehouseIn) -> Warehouse:
    return masterdata.create_warehouse(s, body.code, body.name, body.address, kind=body.kind)


def _master(path: str, entity: str, model: type, out: type[BaseModel], create_in: type[BaseModel],
            patch_in: type[BaseModel], create: Callable[[Any, Any], Any], update: Callable[..., Any],
            write: str) -> None:
    """Register the four routes of one master."""
    reader = Depends(require("masters.read"))
    writer = require(write)

    @router.get(f"/{path}", response_model=list[out], responses=READ_ERRORS, dependencies=[reader],
                operation_id=f"list_{path}", summary=f"List {path}")
    def list_(request: Request, limit: Limit = 100, offset: Offset = 0, search: Search = "") -> Any:
        with read_only(engine(request)) as s:
            return [out.model_validate(r) for r in masterdata.list_records(s, model, search=search, limit=limit,
                                                                            offset=offset)]

    @router.get(f"/{path}/{{record_id}}", response_model=out, responses=READ_ERRORS, dependencies=[reader],
                operation_id=f"get_{entity}", summary=f"One {entity}")
    def get(request: Request, record_id: PathId) -> Any:
        with read_only(engine(request)) as s:
            return out.model_validate(get_or_404(s, model, record_id, entity))

    @router.post(f"/{path}", response_model=out, status_code=201, responses=WRITE_ERRORS,
                 operation_id=f"create_{entity}", summary=f"Create a {entity}")
    def create_(request: Request, response: Response, body: create_in,  # type: ignore[valid-type]
                who: Annotated[Caller, Depends(writer)],
                key: Annotated[str | None, Depends(idempotency_key)] = None) -> Any:
        with writing(request) as s:
            return out.model_validate(create_once(s, who, f"create_{entity}", key, response,
                                                  lambda: create(s, body)))

    @router.patch(f"/{path}/{{record_id}}", response_model=out, responses=WRITE_ERRORS,
                  dependencies=[Depends(writer)], operation_id=f"update_{entity}",
                  summary=f"Change fields of a {entity}")
    def update_(request: Request, record_id: PathId, body: patch_in) -> Any:  # type: ignore[valid-type]
        with writing(request) as s:
            get_or_404(s, model, record_id, entity)
            return out.model_validate(fresh(s, update(s, record_id, body.model_dump(exclude_unset=True))))


_master("products", "product", Product, ProductOut, ProductIn, ProductPatch, _create_product,
        masterdata.update_product, "products.write")
_master("customers", "customer", Customer, CustomerOut, CustomerIn, CustomerPatch, _create_customer,
        masterdata.update_customer, "customers.write")
_master("suppliers", "supplier", Supplier, SupplierOut, SupplierIn, SupplierPatch, _create_supplier,
        masterdata.update_supplier, "suppliers.write")
_master("warehouses", "warehouse", Warehouse, WarehouseOut, WarehouseIn, WarehousePatch, _create_warehouse,
        masterdata.update_warehouse, "warehouses.write")
