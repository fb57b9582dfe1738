"""Which checks guard the pipeline: GX expectations on raw tables and marts, and reconciliation.

All are blocking with ERROR severity: each one guards the publish of serving.duckdb.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

from ingestion.extract import raw_tables
from operational.models import MOVEMENT_TYPES
from orchestration.assets.dbt import MANIFEST_PATH, model_key
from orchestration.assets.planning import plan_check_specs
from orchestration.assets.raw import raw_asset_key
from orchestration.checks.cash_reconciliation import build_cash_reconciliation_check
from orchestration.checks.expectations import greater_than, in_set, not_in_set, not_null
from orchestration.checks.forecast import forecast_checks
from orchestration.checks.frame_checks import FrameCheckSpec, build_frame_check
from orchestration.checks.open_items_reconciliation import (
    OpenItemsReconciliationSpec,
    build_open_items_reconciliation_check,
)
from orchestration.checks.reconciliation import ReconciliationSpec, build_reconciliation_check
from orchestration.dbt_project import load_manifest

ALERT_TYPES = ("below_min", "above_max")


def _raw_specs() -> list[FrameCheckSpec]:
    available = set(raw_tables())
    specs = [
        FrameCheckSpec(
            raw_asset_key("stock_ledger"), "ledger_rows_valid",
            "Every stock-ledger row moves a non-zero quantity with a known movement type.",
            "SELECT CAST(quantity AS DOUBLE) AS quantity, movement_type FROM raw.stock_ledger",
            (not_null("quantity"), not_in_set("quantity", (0,)), not_null("movement_type"),
             in_set("movement_type", MOVEMENT_TYPES)),
        ),
        FrameCheckSpec(
            raw_asset_key("sales_order_line"), "quantity_positive",
            "Sales-order lines order a positive quantity.",
            "SELECT CAST(quantity AS DOUBLE) AS quantity FROM raw.sales_order_line",
            (not_null("quantity"), greater_than("quantity", 0)),
        ),
        FrameCheckSpec(
            raw_asset_key("purchase_order_line"), "quantity_positive",
            "Purchase-order lines order a positive quantity.",
            "SELECT CAST(quantity AS DOUBLE) AS quantity FROM raw.purchase_order_line",
            (not_null("quantity"), greater_than("quantity", 0)),
        ),
    ]
    return [spec for spec in specs if spec.asset_key.path[-1] in available]


def _relation(models: Mapping[str, Mapping[str, Any]], name: str) -> str:
    node = models[name]
    return f'"{node["schema"]}"."{node.get("alias") or name}"'


def _mart_specs(models: Mapping[str, Mapping[str, Any]]) -> list[FrameCheckSpec]:
    specs = []
    if "mart_inventory_daily" in models:
        specs.append(FrameCheckSpec(
            model_key("mart_inventory_daily"), "closing_quantity_present",
            "Every product × warehouse × day has a closing quantity and a day.",
            "SELECT CAST(closing_quantity AS DOUBLE) AS closing_quantity, date_day "
            f"FROM {_relation(models, 'mart_inventory_daily')}",
            (not_null("closing_quantity"), not_null("date_day")),
        ))
    if "mart_stock_alerts" in models:
        specs.append(FrameCheckSpec(
            model_key("mart_stock_alerts"), "alert_type_known",
            "Stock alerts are either below_min or above_max.",
            f"SELECT alert_type FROM {_relation(models, 'mart_stock_alerts')}",
            (not_null("alert_type"), in_set("alert_type", ALERT_TYPES)),
        ))
    return specs


def _reconciliation_specs(models: Mapping[str, Mapping[str, Any]]) -> list[ReconciliationSpec]:
    specs = []
    if "mart_stock_current" in models:
        specs.append(ReconciliationSpec(
            model_key("mart_stock_current"), "reconciles_with_store",
            "On-hand quantity and value per product × warehouse equal the store's stock balance and the "
            "valuation of the store's ledger, exactly.",
            f"SELECT product_id, warehouse_id, on_hand_quantity, stock_value "
            f"FROM {_relation(models, 'mart_stock_current')}",
            with_values=True,
            valued_relation=_relation(models, "int_movement_valuation") if "int_movement_valuation" in models else None,
        ))
    if "mart_inventory_daily" in models:
        relation = _relation(models, "mart_inventory_daily")
        specs.append(ReconciliationSpec(
            model_key("mart_inventory_daily"), "last_day_reconciles_with_store",
            "Closing quantity on the last day per product × warehouse equals the store's stock balance.",
            f"SELECT product_id, warehouse_id, closing_quantity FROM {relation} "
            f"WHERE date_day = (SELECT max(date_day) FROM {relation})",
        ))
    return specs


def _cash_checks(models: Mapping[str, Mapping[str, Any]]) -> list[dg.AssetChecksDefinition]:
    if "mart_cash_position_daily" not in models:
        return []
    return [build_cash_reconciliation_check(model_key("mart_cash_position_daily"),
                                            _relation(models, "mart_cash_position_daily"))]


def _unapplied(models: Mapping[str, Mapping[str, Any]], name: str) -> dict[str, Any]:
    """The side's fact of money not yet applied, when the project has it (net balances)."""
    if name not in models:
        return {}
    return {"unapplied_relation": _relation(models, name), "unapplied_asset_key": model_key(name)}


def _open_items_checks(models: Mapping[str, Mapping[str, Any]]) -> list[dg.AssetChecksDefinition]:
    """AR outstanding per customer and AP outstanding per supplier equal the store's."""
    from operational.services.receivables import AR

    checks = []
    if "fct_receivable_instalments" in models:
        checks.append(build_open_items_reconciliation_check(OpenItemsReconciliationSpec(
            model_key("fct_receivable_instalments"), "ar_outstanding_reconciles_with_store",
            "AR net balance per customer (open instalments − receipts and credit notes not yet applied) equals "
            "the store's (documents and allocations as extracted), and the store's instalment settled amounts "
            "equal its allocation journal.",
            AR, _relation(models, "fct_receivable_instalments"), "customer_id",
            **_unapplied(models, "fct_receivable_unapplied"))))
    if "fct_payable_instalments" in models:
        from operational.services.payables import AP

        checks.append(build_open_items_reconciliation_check(OpenItemsReconciliationSpec(
            model_key("fct_payable_instalments"), "ap_outstanding_reconciles_with_store",
            "AP net balance per supplier (open instalments − payments and debit notes not yet applied) equals "
            "the store's (documents and allocations as extracted), and the store's instalment settled amounts "
            "equal its allocation journal.",
            AP, _relation(models, "fct_payable_instalments"), "supplier_id",
            **_unapplied(models, "fct_payable_unapplied"))))
    return checks


def all_checks() -> list[dg.AssetChecksDefinition]:
    models = {node["name"]: node for node in load_manifest(MANIFEST_PATH)["nodes"].values()
              if node["resource_type"] == "model"}
    return [
        *(build_frame_check(spec) for spec in [*_raw_specs(), *_mart_specs(models), *plan_check_specs()]),
        *(build_reconciliation_check(spec) for spec in _reconciliation_specs(models)),
        *_cash_checks(models),
        *_open_items_checks(models),
        *(forecast_checks() if "mart_demand_weekly" in models else []),
    ]
