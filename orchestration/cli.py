"""The ``jxc`` command line: init, demo, pipeline run, serve, status, backup, restore, import.

Commands import the heavy parts (Dagster, dbt, the demo generator) only when they need them, so
``jxc status`` answers in about a second. Every error a user can cause prints one line and exits 1
(set JXC_DEBUG=1 to see the traceback).
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from operational.settings import get_settings
from orchestration.errors import JxcError, explain

app = typer.Typer(help="JXC 进销存: store, demo data, pipeline and apps.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
pipeline_app = typer.Typer(help="Run the data pipeline (extract → dbt → checks → publish).", no_args_is_help=True)
app.add_typer(pipeline_app, name="pipeline")
user_app = typer.Typer(help="Logins: the first admin of a new store, a forgotten password.", no_args_is_help=True)
app.add_typer(user_app, name="user")

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn any exception into one red line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("JXC_DEBUG") == "1":
                raise
            err_console.print(f"[red]error:[/] {explain(exc, get_settings().language)}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def _acting_user(ctx: typer.Context) -> None:
    """Changes made by a command are audited as made at the command line by the machine's user
    (operational.audit; a command that logs in as a JXC user says so itself)."""
    import getpass

    from operational import audit

    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container)
        name = str(os.getuid())
    token = audit.set_process_actor(audit.Actor(None, f"os:{name}"[:100], "cli"))
    ctx.call_on_close(lambda: audit.reset_actor(token))  # a test's CliRunner leaves no actor behind


@app.command()
@friendly_errors
def init() -> None:
    """Create the operational store, or upgrade it to the newest schema."""
    from operational.db import get_engine
    from operational.migrate import upgrade
    from orchestration.store_info import display_url

    settings = get_settings()
    revision = upgrade(get_engine())
    console.print(f"store ready: {display_url(settings.database_url)} (revision {revision})", highlight=False)


@app.command()
@friendly_errors
def demo(
    scale: Annotated[float, typer.Option(help="1 ≈ 50,000 sales-order lines over 400 days.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Same seed and end date give the same company.")] = 42,
    end_date: Annotated[str | None, typer.Option(help="Last simulated day (YYYY-MM-DD); default today.")] = None,
    days: Annotated[int, typer.Option(help="Number of simulated days.")] = 400,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing (exit 0) if the store has data.")] = False,
    force: Annotated[bool, typer.Option("--force", help="ERASE the store's data first, then generate.")] = False,
) -> None:
    """Generate the demo company (a wholesale distributor) into an empty store."""
    from operational.db import get_engine
    from operational.demo import generate
    from operational.migrate import reset, upgrade
    from orchestration.store_info import has_data

    engine = get_engine()
    upgrade(engine)
    if has_data(engine):
        if if_empty:
            console.print("the store already has data; no demo generated")
            return
        if not force:
            raise JxcError("the store already has data; the demo needs an empty store "
                           "(use --if-empty to skip, or --force to erase it first)")
        reset(engine)
        console.print("[yellow]store erased[/]; run `jxc pipeline run --full` afterwards to rebuild the warehouse")
    end = date.fromisoformat(end_date) if end_date else None
    started = time.monotonic()
    with Progress(SpinnerColumn(), TextColumn("simulating days, then the back office"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("demo", total=days)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = generate(engine, scale=scale, seed=seed, end_date=end, days=days, progress=on_progress)
    console.print(
        f"demo company ready in {time.monotonic() - started:.0f} s: {summary.products} products, "
        f"{summary.customers} customers, {summary.sales_orders} sales orders ({summary.sales_order_lines} lines), "
        f"{summary.purchase_orders} purchase orders, {summary.ledger_rows} stock movements, "
        f"{summary.first_day} → {summary.last_day}", highlight=False,
    )


@pipeline_app.command("run")
@friendly_errors
def pipeline_run(
    full: Annotated[bool, typer.Option("--full", help="Reload every raw table instead of extracting changes.")] = False,
) -> None:
    """Run the pipeline now, in this process (the run also shows in the Dagster UI).

    Without --full only what changed in the store since the last publish runs (nothing at all when
    nothing changed); the first run of a day builds everything."""
    from orchestration.current_plan import plan_incremental
    from orchestration.store_info import existing_store

    existing_store(get_settings())
    # Bound to the stdout of this command: the run itself redirects sys.stdout to its log file.
    screen = Console(file=sys.stdout)
    plan = None if full else plan_incremental()
    if plan is not None:
        if plan.nothing_to_do:
            screen.print(f"nothing to do: {plan.reason}; no run started (--full rebuilds everything)",
                         highlight=False, soft_wrap=True)
            return
        screen.print(f"plan: {plan.reason}", highlight=False, soft_wrap=True)
    from orchestration.runner import StepEvent, run_pipeline  # Dagster: seconds to import
    symbols = {"STEP_SUCCESS": "[green]✓[/]", "STEP_FAILURE": "[red]✗[/]", "STEP_SKIPPED": "[yellow]–[/]"}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=screen) as progress:
        task = progress.add_task("loading the pipeline definitions", total=None)

        def on_start(run_id: str, steps: int) -> None:
            progress.update(task, description=f"run {run_id[:8]}", total=steps)

        def on_event(event: StepEvent) -> None:
            if event.kind == "STEP_START":
                progress.update(task, description=event.step)
                return
            progress.advance(task)
            progress.console.print(f"{symbols.get(event.kind, ' ')} {event.step}", highlight=False)

        outcome = run_pipeline(full=full, on_event=on_event, on_start=on_start, plan=plan)
    passed = sum(c.passed for c in outcome.checks)
    if outcome.success:
        scope = "" if outcome.selected is None else f"; {outcome.selected} assets rebuilt, the rest kept"
        screen.print(f"[green]published[/] (run {outcome.run_id[:8]}, {outcome.job_name}); "
                      f"{passed}/{len(outcome.checks)} checks passed{scope}", highlight=False, soft_wrap=True)
        return
    for check in outcome.failed_checks:
        detail = f" — {check.description}" if check.description else ""
        # soft_wrap: one line per check, however long its name (a wrapped name cannot be searched for)
        err_console.print(f"[red]check failed:[/] {check.label}{detail}", highlight=False, soft_wrap=True)
    if outcome.failed_steps:
        err_console.print("[red]failed steps:[/] " + ", ".join(outcome.failed_steps), highlight=False)
    err_console.print(f"details: the Dagster UI, or {outcome.log_path}", highlight=False, soft_wrap=True)
    raise JxcError(f"run {outcome.run_id[:8]} failed; nothing was published (dashboards keep the last good data)")


@app.command()
@friendly_errors
def serve(
    port: Annotated[int, typer.Option(help="Streamlit port.")] = 8501,
    dagster_port: Annotated[int, typer.Option(help="Dagster UI port.")] = 3000,
    no_dagster: Annotated[bool, typer.Option("--no-dagster", help="Serve only the Streamlit app.")] = False,
    api_port: Annotated[int, typer.Option(help="REST API port (docs/api.md).")] = 8000,
    no_api: Annotated[bool, typer.Option("--no-api", help="Do not serve the REST API.")] = False,
    host: Annotated[str | None, typer.Option(
        help="Address to listen on (default 127.0.0.1, or JXC_SERVE_HOST). 0.0.0.0 opens both services to the "
             "network: the Dagster UI has no login, put an authenticating reverse proxy in front (docs/security.md).",
    )] = None,
) -> None:
    """Serve the Streamlit app, the Dagster UI (webserver + daemon) and the REST API until Ctrl-C."""
    from orchestration.home import ensure_dagster_home, ensure_venv_on_path
    from orchestration.serve import (
        Supervisor,
        api_service,
        dagster_service,
        is_loopback,
        run_worker_service,
        serve_host,
        streamlit_service,
    )

    address = serve_host(host)
    home = ensure_dagster_home()
    ensure_venv_on_path()
    services = [streamlit_service(port, address)] + (
        [] if no_dagster else [run_worker_service(), dagster_service(dagster_port, address)]) + (
        [] if no_api else [api_service(api_port, address)])
    shown = "<this machine's address>" if address in ("0.0.0.0", "::", "[::]") else address
    console.print(f"Streamlit  http://{shown}:{port}", highlight=False)
    if not no_dagster:
        console.print(f"Dagster UI http://{shown}:{dagster_port}  (DAGSTER_HOME={home})", highlight=False)
    if not no_api:
        console.print(f"REST API   http://{shown}:{api_port}/api/v1  (spec: /openapi.json)", highlight=False)
    if not is_loopback(address):
        err_console.print(
            f"[yellow]warning:[/] listening on {address}: anyone who can reach this address can open the dashboards"
            + ("" if no_dagster else " and the Dagster UI, which has no login and launches pipeline runs")
            + ". Put an authenticating reverse proxy in front (see docs/security.md).",
            highlight=False, soft_wrap=True,
        )
    console.print("Ctrl-C stops everything.")
    Supervisor(services, env=dict(os.environ)).run()
    console.print("stopped")


@app.command("api")
@friendly_errors
def api_command(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    host: Annotated[str | None, typer.Option(
        help="Address to listen on (default 127.0.0.1, or JXC_SERVE_HOST, as for `jxc serve`). Another address "
             "opens the API to the network: serve it behind TLS (docs/security.md).",
    )] = None,
) -> None:
    """Serve the REST API alone (docs/api.md) until Ctrl-C; `jxc serve` also starts it."""
    import uvicorn

    from orchestration.serve import is_loopback, port_in_use, serve_host
    from orchestration.store_info import existing_store

    existing_store(get_settings())  # a missing or uninitialised store is one clear line, not a 500 per request
    address = serve_host(host)
    if port_in_use(port, address):
        raise JxcError(f"port already in use: {port} (api)")
    shown = "<this machine's address>" if address in ("0.0.0.0", "::", "[::]") else address
    console.print(f"REST API http://{shown}:{port}/api/v1  (spec: /openapi.json; Ctrl-C stops it)", highlight=False)
    if not is_loopback(address):
        err_console.print(
            f"[yellow]warning:[/] listening on {address}: anyone who can reach this address can call the API with a "
            "token, and tokens travel in a header. Put a TLS reverse proxy in front (see docs/security.md).",
            highlight=False, soft_wrap=True)
    uvicorn.run("api.app:create_app", factory=True, host=address, port=port, log_level="warning",
                server_header=False)


@app.command()
@friendly_errors
def backup(
    target: Annotated[str | None, typer.Argument(
        help="A folder, or a new file ending in .tar.gz (default: data/backups/, named by the time).")] = None,
) -> None:
    """Back up the operational store into one file (safe while the apps are writing)."""
    from pathlib import Path

    from operational.backup import create_backup
    from orchestration.store_info import existing_store

    engine = existing_store(get_settings())
    path, manifest = create_backup(engine, Path(target) if target else None)
    rows = sum(manifest.row_counts.values())
    console.print(f"backup written: {path} ({manifest.store_kind}, revision {manifest.schema_revision}, "
                  f"{len(manifest.row_counts)} tables, {rows} rows)", highlight=False, soft_wrap=True)


@app.command()
@friendly_errors
def restore(
    file: Annotated[str, typer.Argument(help="A backup file written by `jxc backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm replacing ALL the data of the current store.")] = False,
    no_rebuild: Annotated[bool, typer.Option(
        "--no-rebuild", help="Skip the full pipeline run (the dashboards then show the old figures until one runs).",
    )] = False,
) -> None:
    """Replace the store with a backup (a safety copy of the current store is kept), upgrade its
    schema if the backup is older, then rebuild the warehouse with a full pipeline run."""
    from pathlib import Path

    from operational.backup import restore_backup
    from operational.db import get_engine

    result = restore_backup(get_engine(), Path(file), confirmed=yes)
    if result.safety_copy:
        console.print(f"the store as it was: {result.safety_copy}", highlight=False, soft_wrap=True)
    manifest = result.manifest
    console.print(f"[green]restored[/] the backup of {manifest.created_at} (revision {manifest.schema_revision}, "
                  f"{sum(manifest.row_counts.values())} rows); store now at revision {result.revision}",
                  highlight=False, soft_wrap=True)
    if no_rebuild:
        console.print("[yellow]warehouse not rebuilt[/]: run `jxc pipeline run --full`", highlight=False)
        return
    pipeline_run(full=True)


@app.command()
@friendly_errors
def status() -> None:
    """Store size and rows, last publish, last run and its checks, freshness."""
    from orchestration.status_report import gather_status, render_status

    render_status(gather_status(get_settings()), console)


@app.command()
@friendly_errors
def report(
    kind: Annotated[str, typer.Argument(help="daily, weekly or monthly.")],
    on: Annotated[str | None, typer.Option("--date", help="The report's date (YYYY-MM-DD); default the last "
                                                          "published day.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh_CN or en.")] = "zh_CN",
) -> None:
    """Render a report (HTML and PDF) from the current publish into data/reports/ and print the paths."""
    from operational.services.validation import required_date
    from reports import render_report

    as_of = required_date(on, "report_date") if on is not None else None
    rendered = render_report(kind, as_of=as_of, lang=lang)  # type: ignore[arg-type] - checked inside
    console.print(str(rendered.html_path), highlight=False, soft_wrap=True)
    console.print(str(rendered.pdf_path), highlight=False, soft_wrap=True)


@app.command("import")
@friendly_errors
def import_(
    file: Annotated[str, typer.Argument(help="A template file (CSV or .xlsx), or with --mapping the folder of source files.")],
    kind: Annotated[str | None, typer.Option(help="Template kind (categories, products, sales_orders, …); "
                                                  "default: guessed from the header.")] = None,
    mapping: Annotated[str | None, typer.Option(help="A mapping file (TOML) turning another system's CSVs "
                                                     "into the templates, e.g. importing/mappings/northwind.toml.")] = None,
    errors: Annotated[str | None, typer.Option(help="Write every error (file, row, column, message) to this CSV.")] = None,
    check_only: Annotated[bool, typer.Option("--check-only", help="Check every row, write nothing.")] = False,
) -> None:
    """Import master records, opening stock or historical documents: every row is checked first,
    then all is written in one transaction, or nothing (docs/import.md)."""
    from pathlib import Path

    from importing.engine import run_import
    from importing.report import write_error_csv
    from operational.db import get_engine
    from operational.i18n import translate

    language = get_settings().language
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        # One bar per pass (checking, then writing), each with its own elapsed time.
        tasks: dict[str, Any] = {}

        def on_progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                label = {"validate": "importing.cli.validating", "write": "importing.cli.writing"}[phase]
                tasks[phase] = progress.add_task(translate(label, language), total=total)
            progress.update(tasks[phase], completed=done, total=total)

        result = run_import(get_engine(), Path(file), kind=kind, mapping=Path(mapping) if mapping else None,
                            progress=on_progress, check_only=check_only)
    if result.ok and check_only:
        console.print(translate("importing.cli.checked", language, rows=f"{result.rows:,}"), highlight=False)
        return
    if result.ok:
        console.print(translate("importing.cli.done", language, rows=f"{result.rows:,}", records=f"{result.records:,}",
                                batch=result.batch_id), highlight=False)
        return
    if errors:
        write_error_csv(result, Path(errors), language)
    err_console.print(f"[red]{translate('importing.cli.failed', language, count=f'{result.error_count:,}')}[/]",
                      highlight=False)
    for error in result.errors[:50]:
        where = ":".join(str(x) for x in (error.source, error.row or "", error.column or "") if x != "")
        err_console.print(f"  {where}  {error.message(language)}", highlight=False, soft_wrap=True, markup=False)
    if result.error_count > 50:
        err_console.print(translate("importing.cli.more", language, count=f"{result.error_count - 50:,}"),
                          highlight=False)
    raise typer.Exit(1)


@user_app.command("reset")
@friendly_errors
def user_reset(
    username: Annotated[str, typer.Argument(help="The login name.")],
    role: Annotated[str | None, typer.Option(help="Create the user with this role if missing (e.g. admin).")] = None,
    display_name: Annotated[str | None, typer.Option(help="Display name of a new user.")] = None,
) -> None:
    """Give a user a temporary password (printed once; to be changed at the next login)."""
    from operational.db import get_engine, unit_of_work
    from operational.services import auth

    with unit_of_work(get_engine()) as session:
        temporary = auth.operator_reset_password(session, username, role=role, display_name=display_name)
    console.print(f"temporary password for {username}: {temporary}  (must be changed at the next login)",
                  highlight=False)


@user_app.command("token")
@friendly_errors
def user_token(
    username: Annotated[str, typer.Argument(help="The login name the token acts as (with its role).")],
    name: Annotated[str, typer.Option(help="What the token is for (shown in the token list).")] = "API",
    days: Annotated[int | None, typer.Option(help="Valid for this many days (default: until revoked).")] = None,
) -> None:
    """Issue an API token for a user (printed once; the store keeps only its hash). docs/api.md"""
    from operational.db import get_engine, unit_of_work
    from operational.services import api_tokens

    with unit_of_work(get_engine()) as session:
        issued = api_tokens.operator_issue_token(session, username, name, expires_in_days=days)
    console.print(f"API token for {username} (id {issued.record.id}, shown once): {issued.token}", highlight=False,
                  soft_wrap=True)


@app.command()
@friendly_errors
def prune(
    keep: Annotated[int | None, typer.Option(min=1, help="Runs to keep (default: JXC_KEEP_RUNS, 20).")] = None,
) -> None:
    """Delete the history, logs and dbt artifacts of all but the last runs and of runs older than
    JXC_KEEP_RUN_DAYS (done after every run too), all but the newest JXC_KEEP_BACKUPS backups in
    data/backups/, the store's login history older than JXC_KEEP_LOGIN_DAYS and the form submission
    records older than 30 days (both done at every login too), and audit-log entries older than
    JXC_KEEP_AUDIT_DAYS when that is set."""
    from orchestration.home import ensure_dagster_home
    from orchestration.retention import prune as prune_runs
    from orchestration.status_report import human_bytes

    settings = get_settings()
    ensure_dagster_home()
    import dagster as dg

    from operational.backup import prune_backups

    with dg.DagsterInstance.get() as instance:
        report = prune_runs(instance, settings, keep=keep)
    age = f", none older than {settings.keep_run_days} days" if settings.keep_run_days else ""
    console.print(f"deleted {len(report.deleted_runs)} runs and {len(report.deleted_paths)} files or folders, "
                  f"freed {human_bytes(report.freed_bytes)}; kept the last {keep or settings.keep_runs} runs{age}",
                  highlight=False)
    backups = prune_backups(settings.keep_backups)
    if settings.keep_backups:
        console.print(f"deleted {len(backups)} old backups; kept the newest {settings.keep_backups} of each kind "
                      f"in {settings.data_dir / 'backups'}", highlight=False)
    _prune_login_history(settings)


def _prune_login_history(settings: Any) -> None:  # noqa: ANN401 - operational.settings.Settings
    """The store's part of ``jxc prune``; a SQLite store that was never created is left uncreated."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return
    from operational.db import get_engine, unit_of_work
    from operational.services import audit_log, auth, idempotency
    from operational.settings import get_login_settings

    with unit_of_work(get_engine()) as session:
        pruned = auth.prune_login_history(session)
        submissions = idempotency.prune_submissions(session)
        audited = audit_log.prune(session, settings.keep_audit_days) if settings.keep_audit_days else None
    console.print(f"deleted {pruned.events} login events and {pruned.sessions} ended sessions older than "
                  f"{get_login_settings().keep_login_days} days, and {submissions} form submission records "
                  f"older than {idempotency.KEEP_SUBMISSION_DAYS} days", highlight=False)
    if audited is not None:
        console.print(f"deleted {audited} audit-log entries older than {settings.keep_audit_days} days",
                      highlight=False)

if __name__ == "__main__":
    app()
