"""The `demat` command line (see CONTRACT.md): the edge of the application. The only place that turns exceptions
into exit codes and one-line messages (tracebacks only with --debug). Prefect is imported only by `ingest`, so the
other commands start fast."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from pipeline.errors import DematError, InputPathError, SchemaError

EXIT_OK, EXIT_FAIL = 0, 1


class Ctx:
    debug = False


def fail(msg: str) -> None:
    raise click.exceptions.Exit(_print_error(msg))


def _print_error(msg: str) -> int:
    click.echo(f"demat: {msg}", err=True)
    return EXIT_FAIL


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and Prefect's own logs.")
@click.version_option(package_name="demat")
def cli(debug: bool) -> None:
    """Turn archives of scanned paper forms into validated records, and count them."""
    Ctx.debug = debug
    if debug:
        os.environ["DEMAT_DEBUG"] = "1"


def _store_option(f):
    return click.option("--store", "store_url", default=None, metavar="URL",
                        help="Folder, file:// or s3://BUCKET[/PREFIX]; default $DEMAT_STORE or ./demat-data.")(f)


# ------------------------------------------------------------------------------------------------- ingest


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--schemas", "schemas_dir", default="schemas", show_default=True, metavar="DIR")
@_store_option
@click.option("--batch", default=None, metavar="NAME", help="Batch name (default: ingest-<UTC time>).")
@click.option("--workers", type=click.IntRange(1, 256), default=None, help="Tesseract processes at once, each serving 4 documents read side by side (default: cores).")
@click.option("--json", "as_json", is_flag=True, help="Print the batch summary as JSON.")
@click.option("--dask-address", default=None, metavar="tcp://HOST:PORT", envvar="DEMAT_DASK_ADDRESS",
              help="Run on this Dask cluster (needs an s3:// store and PREFECT_API_URL).")
def ingest(paths: tuple[str, ...], schemas_dir: str, store_url: str | None, batch: str | None,
           workers: int | None, as_json: bool, dask_address: str | None) -> None:
    """Digitize every scan in PATH (files, folders, .zip archives)."""
    from pipeline.reading import tesseract
    from pipeline.schemas.schema import load_schemas
    from pipeline.storage.open import open_store

    for p in paths:
        if not Path(p).exists():
            raise InputPathError(p)
    schemas = load_schemas(Path(schemas_dir))
    for lang in sorted({s.spec.language for s in schemas} | {"fra+eng"}):
        tesseract.check_languages(lang)
    store = open_store(store_url)
    store.check()
    batch = batch or "ingest-" + dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    from flows.ingest import IngestSettings, run_ingest

    settings = IngestSettings(str(Path(schemas_dir).resolve()), store_url or os.environ.get("DEMAT_STORE"), batch)
    if dask_address:
        from flows.ingest import check_dask_setup

        check_dask_setup(settings)
    with _progress() as on_progress:
        summary = run_ingest(list(paths), settings, workers=workers, on_progress=on_progress,
                             dask_address=dask_address)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    rate = summary["pages"] / summary["seconds"] if summary["seconds"] else 0.0
    click.echo(f"batch {summary['batch']}: {summary['documents']} documents, {summary['pages']} pages, "
               f"{summary['records']} records in {summary['seconds']:.1f} s ({rate:.2f} pages/s)")
    for k in ("accepted", "needs_review", "rejected", "duplicates_skipped"):
        click.echo(f"  {k.replace('_', ' '):<19}{summary[k]:>6}")
    if summary["tool_failures"]:
        click.echo(f"documents a tool failed on ({len(summary['tool_failures'])}; their records say what to check):")
        for f in summary["tool_failures"]:
            click.echo(f"  {f['name']}: {f['reason']}")
    click.echo(f"store: {store.url}")


@cli.command()
@click.option("--inbox", required=True, metavar="DIR", help="The folder clerks drop scans into.")
@click.option("--schemas", "schemas_dir", default="schemas", show_default=True, metavar="DIR")
@_store_option
@click.option("--every", type=click.IntRange(5, 86400), default=60, show_default=True, metavar="SECONDS",
              help="How often the inbox is ingested.")
@click.option("--workers", type=click.IntRange(1, 256), default=None, help="Tesseract processes at once, each serving 4 documents read side by side (default: cores).")
def serve(inbox: str, schemas_dir: str, store_url: str | None, every: int, workers: int | None) -> None:
    """Serve the inbox deployment: ingest INBOX every SECONDS (runs visible in the Prefect UI)."""
    from pipeline.errors import SetupError
    from pipeline.schemas.schema import load_schemas
    from pipeline.storage.open import open_store

    if not Path(inbox).is_dir():
        raise InputPathError(inbox, "inbox folder not found")
    if not os.environ.get("PREFECT_API_URL"):
        raise SetupError("serve", "set PREFECT_API_URL to a running Prefect server (prefect server start): "
                                  "a deployment and its runs live there")
    load_schemas(Path(schemas_dir))
    open_store(store_url).check()
    from flows.deploy import serve as serve_inbox

    click.echo(f"serving deployment demat-inbox/inbox: {inbox} every {every} s (Ctrl-C to stop)")
    serve_inbox(inbox, schemas_dir, store_url or os.environ.get("DEMAT_STORE"), every, workers or os.cpu_count() or 2)


class _progress:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""

    def __enter__(self):
        if not sys.stderr.isatty():
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bar = Progress(TextColumn("digitizing"), BarColumn(), MofNCompleteColumn(), TextColumn("documents,"),
                            TextColumn("{task.fields[pages]} pages ({task.fields[rate]:.2f} pages/s)"),
                            TimeElapsedColumn(), transient=True, console=None)
        self.bar.start()
        self.task = None
        self.pages = 0
        self.started = time.monotonic()

        def on_progress(outcome: Any, total: int) -> None:
            if self.task is None:
                self.task = self.bar.add_task("docs", total=total, pages=0, rate=0.0)
            self.pages += outcome.pages
            rate = self.pages / max(1e-6, time.monotonic() - self.started)
            self.bar.update(self.task, advance=1, pages=self.pages, rate=rate)

        return on_progress

    def __exit__(self, *exc) -> None:
        if hasattr(self, "bar"):
            self.bar.stop()


# ------------------------------------------------------------------------------------------ stats, records


def _records(store_url: str | None):
    from pipeline.storage.archive import iter_records
    from pipeline.storage.open import open_store

    return iter_records(open_store(store_url))


def _parse_when(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        d = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD)", param_hint=option) from None
    return d.strftime("%Y-%m-%dT%H:%M:%S") if "T" in value else d.strftime("%Y-%m-%d")


@cli.command()
@_store_option
@click.option("--by", default="procedure", show_default=True, metavar="KEY[,KEY]",
              help="Group by procedure, status, month, batch.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--since", default=None, metavar="DATE", help="Only records ingested on or after DATE.")
@click.option("--until", default=None, metavar="DATE", help="Only records ingested before DATE.")
@click.option("--procedure", "procedures", multiple=True, metavar="ID", help="Only records of this procedure "
              "(repeat for several).")
@click.option("--batch", default=None, metavar="NAME", help="Only records of this batch.")
@click.option("--rate", is_flag=True, help="Add accepted and the digitization rate (accepted / all documents).")
@click.option("--quality", is_flag=True, help="The measured wrong-field rate of accepted records, per procedure "
                                                "and field, from their second looks in the review station.")
def stats(store_url: str | None, by: str, fmt: str, since: str | None, until: str | None,
          procedures: tuple[str, ...], batch: str | None, rate: bool, quality: bool) -> None:
    """Count digitized procedures (reads the Parquet index, not the records)."""
    from pipeline import figures
    from pipeline.storage import index
    from pipeline.storage.open import open_store
    from pipeline.storage.stats import KEYS, render_rows

    if quality:
        from pipeline import review

        rows = review.quality(open_store(store_url))
        click.echo(render_rows(rows, ["procedure", "field", "checked", "wrong", "rate"], fmt))
        return

    keys = [k.strip() for k in by.split(",") if k.strip()]
    bad = [k for k in keys if k not in KEYS]
    if bad or not keys or len(set(keys)) != len(keys):
        raise click.BadParameter(f"unknown or repeated key {', '.join(bad) or by!r}; use {', '.join(KEYS)}",
                                 param_hint="--by")
    since_v, until_v = _parse_when(since, "--since"), _parse_when(until, "--until")
    store = open_store(store_url)
    table = figures.select(index.read(store, index.COUNT_COLUMNS), figures.Filters(batch=batch),
                           figures.among(procedures))
    rows = index.count(table, keys, since=since_v, until=until_v, rate=rate)
    click.echo(render_rows(rows, keys + ["count"] + (["accepted", "rate"] if rate else []), fmt))


@cli.group("index")
def index_group() -> None:
    """Maintain the counting index."""


@index_group.command("compact")
@_store_option
def index_compact(store_url: str | None) -> None:
    """Merge every index file into one."""
    from pipeline.storage import index
    from pipeline.storage.open import open_store

    key = index.compact_all(open_store(store_url))
    click.echo(f"index compacted into {key}" if key else "index is empty")


@index_group.command("rebuild")
@_store_option
def index_rebuild(store_url: str | None) -> None:
    """Rebuild the index from the records."""
    from pipeline.storage import archive, index
    from pipeline.storage.open import open_store

    store = open_store(store_url)
    key = index.rebuild(store, archive.iter_records(store))
    click.echo(f"index rebuilt into {key}")


@cli.command()
@_store_option
@click.option("--procedure", default=None)
@click.option("--status", type=click.Choice(["accepted", "needs_review", "rejected"]), default=None)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
def records(store_url: str | None, procedure: str | None, status: str | None, fmt: str) -> None:
    """Export records, one per line."""
    from pipeline.storage.stats import records_csv

    selected = (r for r in _records(store_url)
                if (procedure is None or r.get("procedure") == procedure) and (status is None or r.get("status") == status))
    if fmt == "csv":
        click.echo(records_csv(selected), nl=False)
        return
    for r in selected:
        click.echo(json.dumps(r, ensure_ascii=False))


# ------------------------------------------------------------------------------------------------ schema


@cli.group()
def schema() -> None:
    """Check and manage procedure schemas."""


@schema.command("check")
@click.argument("paths", nargs=-1, required=True)
def schema_check(paths: tuple[str, ...]) -> None:
    """Validate schema files; errors as FILE:LINE: message."""
    from pipeline.schemas.schema import check_files, schema_files

    for p in paths:
        if not Path(p).exists():
            raise InputPathError(p)
    files = schema_files([Path(p) for p in paths])
    loaded, problems = check_files(files)
    if problems:
        raise SchemaError(problems)
    for s in loaded:
        click.echo(f"{s.path.name}: ok ({s.procedure} v{s.spec.version}, {len(s.spec.fields)} fields, {s.pages} page(s))")


@schema.command("import")
@click.argument("form", metavar="FORM.pdf")
@click.option("--procedure", default=None, help="Procedure id (default: from the form's number or title).")
@click.option("-o", "--out", "out_dir", required=True, metavar="DIR", help="Where to write the schema and template.")
def schema_import(form: str, procedure: str | None, out_dir: str) -> None:
    """Turn a fillable PDF form (AcroForm) into a schema ready for `ingest --schemas DIR`."""
    from pipeline.schemas.acroform import write_schema

    if not Path(form).is_file():
        raise InputPathError(form)
    path, notes = write_schema(Path(form), Path(out_dir), procedure)
    _made(path, notes, "fields")


def _made(path: Path, notes: list[str], what: str) -> None:
    """A schema just written, through the strict loader; its summary, and notes on standard error."""
    from pipeline.schemas.schema import check_files

    loaded, problems = check_files([path])
    if problems:
        raise SchemaError(problems)
    s = loaded[0]
    click.echo(f"{path}: {len(s.spec.fields)} {what} on {s.pages} page(s), procedure {s.procedure}")
    for n in notes:
        click.echo(f"  note: {n}", err=True)


@schema.command("propose")
@click.argument("blank", metavar="BLANK.(pdf|png|tif|jpg)")
@click.option("--procedure", default=None, help="Procedure id (default: from the form's number or title).")
@click.option("--lang", default="fra+eng", show_default=True, help="Tesseract languages to read the labels.")
@click.option("-o", "--out", "out_dir", required=True, metavar="DIR", help="Where to write the schema and template.")
def schema_propose(blank: str, procedure: str | None, lang: str, out_dir: str) -> None:
    """Propose a schema from a blank form (a scan, or a PDF without fillable fields): the boxes, lines, combs
    and checkboxes to fill, named after their printed labels. Check it with `schema preview` or the studio."""
    from pipeline.reading import tesseract
    from pipeline.propose import write_schema

    if not Path(blank).is_file():
        raise InputPathError(blank)
    tesseract.check_languages(lang)
    path, notes = write_schema(Path(blank), Path(out_dir), procedure, lang)
    _made(path, notes, "fields proposed")


@schema.command("preview")
@click.argument("schema_file", metavar="SCHEMA.yaml")
@click.option("-o", "--out", default=None, metavar="PNG", help="Output picture (default: <procedure>-p<page>.png).")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--scan", default=None, metavar="FILE", help="Draw over this scan, aligned to the template.")
def schema_preview(schema_file: str, out: str | None, page: int, scan: str | None) -> None:
    """Draw every field's zone and name over the template page (or over an aligned scan)."""
    from pipeline.inputs import load
    from pipeline.preview import preview
    from pipeline.schemas.schema import check_files

    if not Path(schema_file).is_file():
        raise InputPathError(schema_file)
    loaded, problems = check_files([Path(schema_file)])
    if problems:
        raise SchemaError(problems)
    s = loaded[0]
    if page > s.pages:
        raise click.BadParameter(f"the template has {s.pages} page(s)", param_hint="--page")
    image = None
    if scan is not None:
        first = next(load.file_pages(scan)[1])
        image = first.image if isinstance(first, load.RasterPage) else first.render(300)
    target = Path(out or f"{s.procedure}-p{page}.png")
    preview(s, page, image).save(target)
    click.echo(f"wrote {target}")


@schema.command("json-schema")
@click.option("-o", "--out", default=None, metavar="FILE", help="Write there instead of standard output.")
def schema_json_schema(out: str | None) -> None:
    """The schema language as JSON Schema, for editors' completion and checks."""
    from pipeline.preview import schema_model_json

    text = json.dumps(schema_model_json(), ensure_ascii=False, indent=1) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@schema.command("export-json-schema")
@click.option("--schemas", "schemas_dir", default="schemas", show_default=True, metavar="DIR")
@click.option("-o", "--out", "out_dir", required=True, metavar="DIR")
def schema_export(schemas_dir: str, out_dir: str) -> None:
    """JSON Schema of the records of each procedure, for downstream systems."""
    from pipeline.preview import record_json_schema
    from pipeline.schemas.schema import load_schemas

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for s in load_schemas(Path(schemas_dir)):
        target = Path(out_dir) / f"{s.procedure}.v{s.spec.version}.record.schema.json"
        target.write_text(json.dumps(record_json_schema(s), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        click.echo(f"wrote {target}")


# --------------------------------------------------------------------------------------------------- ocr


@cli.command()
@click.argument("file")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", default="fra+eng", show_default=True)
def ocr(file: str, fmt: str, lang: str) -> None:
    """The OCR of FILE as the pipeline sees it (after preprocessing)."""
    from pipeline.inputs import load
    from pipeline.reading import tesseract
    from pipeline.reading.ocr import page_words

    if not Path(file).is_file():
        raise InputPathError(file)
    tesseract.check_languages(lang)
    _, pages = load.file_pages(file)
    words = [w for page in pages for w in page_words(page, lang=lang)]
    if fmt == "json":
        click.echo(json.dumps(words, ensure_ascii=False))
        return
    lines: list[str] = []
    last: tuple | None = None
    for w in words:
        key = (w["page"], w.get("line", round(w["box"][1] / 4)))
        if last is not None and key != last:
            lines.append("\n\f\n" if key[0] != last[0] else "\n")
        elif last is not None:
            lines.append(" ")
        lines.append(w["text"])
        last = key
    click.echo("".join(lines))


@cli.command("settings")
@click.option("--quality-share", type=click.FloatRange(0, 1), default=None, metavar="SHARE",
              help="The share of accepted records drawn for a second look in the review station (0.02: 2 %).")
@_store_option
def settings_cmd(quality_share: float | None, store_url: str | None) -> None:
    """Show, or set, the review settings kept in the store."""
    from pipeline import review
    from pipeline.storage.open import open_store

    store = open_store(store_url)
    if quality_share is not None:
        review.set_quality_share(store, quality_share)
    for k, v in review.settings(store).items():
        click.echo(f"{k.replace('_', ' ')}: {v:g}")


# ------------------------------------------------------------------------------------------------- users


@cli.group()
def user() -> None:
    """Accounts of the web application (kept in the store)."""


def _read_password() -> str:
    """From standard input when it is not a terminal (scripts); asked twice on a terminal."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        fail("the two passwords differ")
    return first


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["clerk", "analyst", "agency", "admin"]), required=True)
@click.option("--procedures", default="*", metavar="ID,...", help="Procedures the user may see (default: all).")
@_store_option
def user_add(name: str, role: str, procedures: str, store_url: str | None) -> None:
    """Create an account; the password is read from standard input, or asked twice on a terminal."""
    from pipeline.storage import users
    from pipeline.storage.open import open_store

    store = open_store(store_url)
    users.add(store, name, role, [p.strip() for p in procedures.split(",") if p.strip()], _read_password())
    click.echo(f"user {name} ({role}) created in {store.url}")


@user.command("passwd")
@click.argument("name")
@_store_option
def user_passwd(name: str, store_url: str | None) -> None:
    """Change an account's password (read as for `user add`)."""
    from pipeline.storage import users
    from pipeline.storage.open import open_store

    users.set_password(open_store(store_url), name, _read_password())
    click.echo(f"password of {name} changed")


@user.command("list")
@_store_option
def user_list(store_url: str | None) -> None:
    """The accounts: name, role, procedures."""
    from pipeline.storage import users
    from pipeline.storage.open import open_store

    for u in users.all_users(open_store(store_url)):
        click.echo(f"{u.name}\t{u.role}\t{','.join(u.procedures)}")


# ------------------------------------------------------------------------------------------------- entry


def main(argv: list[str] | None = None) -> int:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="demat", standalone_mode=False)
        return EXIT_OK
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        return _print_error("aborted")
    except click.UsageError as exc:
        return _print_error(exc.format_message().splitlines()[0] if exc.format_message() else "usage error")
    except click.ClickException as exc:
        return _print_error(exc.format_message())
    except SchemaError as exc:
        for p in exc.problems:
            click.echo(p, err=True)
        return EXIT_FAIL
    except DematError as exc:
        if debug:
            raise
        return _print_error(str(exc))
    except KeyboardInterrupt:
        click.echo("demat: interrupted; run the same command again to finish the batch", err=True)
        return 130
    except Exception as exc:  # a bug: say so in one line, details with --debug
        if debug:
            raise
        return _print_error(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")


if __name__ == "__main__":
    sys.exit(main())


def console() -> None:
    sys.exit(main())
