"""`demat web`: the command that starts the web application, added to the `demat` command line of `flows.cli`
(which knows nothing of the web package: the `demat` entry point is this module's `console`)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from flows.cli import _store_option, cli, main


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


def console() -> None:
    sys.exit(main())
