"""`demat web`: the command that starts the web application, added to the `demat` command line of `flows.cli`
(which knows nothing of the web package: the `demat` entry point is this module's `console`)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from flows.cli import _parse_when, _store_option, cli, main


@cli.command("web")
@click.option("--schemas", "schemas_dir", default="schemas", show_default=True, metavar="DIR")
@_store_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
def web(schemas_dir: str, store_url: str | None, host: str, port: int) -> None:
    """The web application: sign in, the review queue and the record pages (secret: $DEMAT_WEB_SECRET)."""
    import uvicorn

    from pipeline.schemas.schema import load_schemas
    from pipeline.storage.open import open_store

    from .app import create_app

    schemas = load_schemas(Path(schemas_dir))
    store = open_store(store_url)
    store.check()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"demat web: http://{host}:{port}/ (store {store.url}, {len(schemas)} schemas)")
    uvicorn.run(create_app(store, schemas, store_url=store_url, schemas_dir=schemas_dir), host=host, port=port, log_level="warning", access_log=False)


@cli.command("report")
@_store_option
@click.option("--schemas", "schemas_dir", default="schemas", show_default=True, metavar="DIR",
              help="Where the procedures' goals (`expected`) are read; left out when the folder does not exist.")
@click.option("--month", default=None, metavar="YYYY-MM", help="Records ingested in this month.")
@click.option("--since", default=None, metavar="DATE", help="Records ingested on or after DATE.")
@click.option("--until", default=None, metavar="DATE", help="Records ingested before DATE.")
@click.option("--procedure", "procedures", multiple=True, metavar="ID", help="Only this procedure (repeat for several).")
@click.option("--batch", default=None, metavar="NAME", help="Only this batch.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), metavar="FILE.html|FILE.pdf")
def report(store_url: str | None, schemas_dir: str, month: str | None, since: str | None, until: str | None,
           procedures: tuple[str, ...], batch: str | None, lang: str, output: str) -> None:
    """The analysts' report: the dashboard's charts and tables in one self-contained HTML file, or a PDF."""
    import os
    import re

    from pipeline import figures
    from pipeline.schemas.schema import load_schemas
    from pipeline.storage.open import open_store

    from . import dashboard, i18n

    out = Path(output)
    if out.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise click.BadParameter(f"{output}: the report is written as .html or .pdf", param_hint="-o")
    if not out.parent.is_dir():
        raise click.BadParameter(f"{out.parent}: no such folder", param_hint="-o")
    if month is not None:
        if since or until:
            raise click.BadParameter("give --month, or --since/--until, not both", param_hint="--month")
        if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", month):
            raise click.BadParameter(f"{month!r} is not a month (YYYY-MM)", param_hint="--month")
        since, until = figures.month_range(month)
    else:
        since, until = _parse_when(since, "--since"), _parse_when(until, "--until")
    schemas = load_schemas(Path(schemas_dir)) if Path(schemas_dir).is_dir() else []
    wanted = set(procedures)
    fig = figures.figures(figures.read(open_store(store_url)), figures.Filters(None, batch, since, until),
                          sees=figures.among(wanted), expected=dashboard.expected(schemas))
    t = i18n.translator(lang)
    title = t("report_title") + (f" — {', '.join(sorted(wanted))}" if wanted else "") + (f" — {batch}" if batch else "")
    period = t("period", since=since or "…", until=until or "…") if since or until else t("period_all")
    if out.suffix.lower() == ".pdf":
        data = dashboard.report_pdf(fig, lang, title=title, period=period)
    else:
        data = dashboard.report_html(fig, lang, title=title, period=period).encode("utf-8")
    tmp = out.with_name(f".{out.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, out)
    click.echo(f"report written to {out} ({fig.total} records)")


def console() -> None:
    sys.exit(main())
