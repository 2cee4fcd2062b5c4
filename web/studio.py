"""The schema studio's pages (role agency, for the procedures granted): start a schema from a blank form or open
a published one, move and draw zones, rename, retype; every change goes through the strict loader; try the draft
on filled scans; publish it where `ingest` reads schemas. The work is `pipeline.studio`'s; these are small views.
"""

from __future__ import annotations

import base64
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from pipeline import studio
from pipeline.errors import InputPathError
from pipeline.inputs import pdfium
from pipeline.schemas.schema import LoadedSchema, load_schemas
from pipeline.storage import users

from . import upload
from .app import Page, _state, current, render
from .auth import same

log = logging.getLogger("demat.web")
AGENCIES = ("agency",)
BLANK_TYPES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
DISPLAY_DPI = 110  # the template page shown under the zones
TRIES = 5  # filled scans tried at once, at most


def _dir(request: Request) -> Path:
    folder = _state(request).schemas_dir
    if folder is None:
        raise Page(404)
    return folder


def _granted(user: users.User, procedure: str) -> None:
    if not user.sees(procedure):
        raise Page(404)


def _published(request: Request, procedure: str) -> LoadedSchema | None:
    found = [s for s in _state(request).schemas if s.procedure == procedure]
    return max(found, key=lambda s: s.spec.version) if found else None


def _draft(request: Request, user: users.User, procedure: str) -> dict[str, Any]:
    """The procedure's draft: the one being edited, else a copy of the published schema; 404 for neither, or
    for a procedure the user was not granted."""
    folder = _dir(request)
    try:
        _granted(user, procedure)
        if studio.has_draft(folder, procedure):
            return studio.read_draft(folder, procedure)
    except studio.StudioError:
        raise Page(404) from None
    published = _published(request, procedure)
    if published is None:
        raise Page(404)
    return studio.from_published(folder, published)


def _list(request: Request, user: users.User, status: int = 200, error: str = "", procedure: str = "") -> Response:
    """The published schemas and drafts the user may edit, and the form to propose a new one."""
    published = sorted({s.procedure for s in _state(request).schemas if user.sees(s.procedure)})
    drafts = [p for p in studio.drafts(_dir(request)) if user.sees(p)]
    return render(request, "studio_list.html", status, published=published, drafts=drafts, error=error,
                  procedure=procedure)


async def studio_list(request: Request) -> Response:
    return _list(request, current(request, *AGENCIES))


async def studio_new(request: Request) -> Response:
    """A draft proposed from an uploaded blank form."""
    user = current(request, *AGENCIES)
    folder = _dir(request)
    form = await request.form(max_files=1, max_fields=10)
    work = Path(tempfile.mkdtemp(prefix="demat-blank-"))
    try:
        if not same(form.get("csrf"), request.state.csrf):
            raise Page(403, detail="csrf")
        procedure = str(form.get("procedure") or "").strip()
        item = form.get("blank")
        error = ""
        if not user.sees(procedure) or not procedure:
            error = "studio_not_granted"
        elif not hasattr(item, "read") or Path(item.filename or "").suffix.lower() not in BLANK_TYPES:
            error = "studio_bad_blank"
        if not error:
            blank = work / f"blank{Path(item.filename).suffix.lower()}"
            try:
                await upload.receive(item, blank, [upload.max_bytes()])
                _, count = await run_in_threadpool(studio.from_blank, folder, blank, procedure)
            except upload.TooBig:
                error = "too_big"
            except studio.StudioError:
                error = "studio_bad_procedure"
            except InputPathError as exc:
                log.info("studio: blank form for %s not read: %s", procedure, exc)
                error = "studio_bad_blank"
        if error:
            return _list(request, user, 422, error, procedure)
        log.info("studio: %s proposed %d fields for %s from a blank form", user.name, count, procedure)
        return RedirectResponse(f"/studio/{procedure}?proposed={count}", 303)
    finally:
        await form.close()
        shutil.rmtree(work, ignore_errors=True)


def _rows(form) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The editor's form: top values, and the field rows (inputs named `f.<row>.<key>`)."""
    top = {k: str(form.get(k) or "") for k in ("title", "keywords") if k in form}
    rows: dict[int, dict[str, str]] = {}
    for key, value in form.multi_items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "f" and parts[1].isdigit() and parts[2] in (*studio.EDITED, "orig",
                                                                                         "delete"):
            rows.setdefault(int(parts[1]), {})[parts[2]] = str(value)
    return top, [rows[i] for i in sorted(rows)]


def _page_sizes(folder: Path, draft: dict[str, Any]) -> list[tuple[float, float]]:
    path = studio.template_file(folder, draft["procedure"], draft)
    return [] if path is None else [tuple(s) for s in pdfium.page_sizes(path.read_bytes())]


def _editor(request: Request, draft: dict[str, Any], checked: studio.Checked | None, status: int = 200,
            tried: list[studio.Tried] | None = None, message: str = "") -> Response:
    folder = _dir(request)
    sizes = _page_sizes(folder, draft)
    fields = []
    for i, f in enumerate(draft.get("fields") or []):
        zone = f.get("zone")
        page = f.get("page", 1)
        box = None
        if isinstance(zone, list) and len(zone) == 4 and all(isinstance(v, (int, float)) for v in zone) \
                and isinstance(page, int) and 1 <= page <= len(sizes):
            w, h = sizes[page - 1]
            box = {"x": 100 * zone[0] / w, "y": 100 * zone[1] / h, "w": 100 * (zone[2] - zone[0]) / w,
                   "h": 100 * (zone[3] - zone[1]) / h}
        fields.append({"i": i, "f": f, "box": box, "page": page,
                       "zone": ", ".join(str(v) for v in zone) if isinstance(zone, list) else str(zone or ""),
                       "choices": "; ".join(str(v) for v in f.get("values") or []),
                       "errors": (checked.fields.get(i) if checked else None) or []})
    tries = [{"t": t, "crops": {f.name: base64.b64encode(f.crop).decode() for f in t.fields if f.crop}}
             for t in tried or []]
    return render(request, "studio.html", status, draft=draft, fields=fields, sizes=sizes,
                  types=studio.TYPES, general=checked.general if checked else [], ok=checked.ok if checked else None,
                  tried=tries, message=message, proposed=request.query_params.get("proposed"),
                  published=_published(request, draft["procedure"]))


async def studio_page(request: Request) -> Response:
    user = current(request, *AGENCIES)
    draft = _draft(request, user, request.path_params["procedure"])
    saved = request.query_params.get("saved")
    return _editor(request, draft, None, message=f"saved:{saved}" if saved else "")


async def studio_post(request: Request) -> Response:
    """Check (the page's script asks on every change, for JSON), save the draft, or publish it."""
    user = current(request, *AGENCIES)
    procedure = request.path_params["procedure"]
    draft = _draft(request, user, procedure)
    folder = _dir(request)
    form = await request.form(max_fields=20_000)
    if not same(form.get("csrf"), request.state.csrf):
        raise Page(403, detail="csrf")
    action = str(form.get("action") or "check")
    if action == "discard":
        studio.discard(folder, procedure)
        return RedirectResponse("/studio", 303)
    top, rows = _rows(form)
    data = studio.edited(draft, top, rows)
    data["procedure"] = procedure  # never renamed from a form: the URL says which procedure this is
    checked = studio.check(folder, data)
    studio.write_draft(folder, data)
    if request.headers.get("x-studio") == "check":
        return JSONResponse({"ok": checked.ok, "fields": {str(k): v for k, v in checked.fields.items()},
                             "general": checked.general})
    if action == "publish" and checked.ok:
        state = _state(request)
        versions = await run_in_threadpool(studio.read_versions, state.store, procedure)
        path = studio.publish(folder, state.schemas, checked.schema, versions)
        state.schemas = load_schemas(folder)
        log.info("studio: %s published %s (%s)", user.name, procedure, path.name)
        version = next(s.spec.version for s in state.schemas if s.procedure == procedure and s.path == path.resolve())
        return RedirectResponse(f"/studio/{procedure}?saved={version}", 303)
    return _editor(request, data, checked, 200 if checked.ok else 422)


async def studio_try(request: Request) -> Response:
    """The draft as it stands, read on filled scans."""
    user = current(request, *AGENCIES)
    procedure = request.path_params["procedure"]
    draft = _draft(request, user, procedure)
    folder = _dir(request)
    form = await request.form(max_files=TRIES, max_fields=10)
    work = Path(tempfile.mkdtemp(prefix="demat-try-"))
    try:
        if not same(form.get("csrf"), request.state.csrf):
            raise Page(403, detail="csrf")
        checked = studio.check(folder, draft)
        if not checked.ok:
            return _editor(request, draft, checked, 422)
        files, budget = [], [upload.max_bytes()]
        for n, item in enumerate(form.getlist("scans")):
            if not hasattr(item, "read") or Path(item.filename or "").suffix.lower() not in BLANK_TYPES:
                continue
            target = work / f"{n}{Path(item.filename).suffix.lower()}"
            try:
                await upload.receive(item, target, budget)
            except upload.TooBig:
                return _editor(request, draft, checked, 413, message="too_big")
            files.append((Path(item.filename).name, target))
        if not files:
            return _editor(request, draft, checked, 422, message="no_file")
        tried = await run_in_threadpool(studio.try_scans, checked.schema, files)
        log.info("studio: %s tried %s on %d scans", user.name, procedure, len(files))
        return _editor(request, draft, checked, tried=tried)
    finally:
        await form.close()
        shutil.rmtree(work, ignore_errors=True)


async def studio_page_image(request: Request) -> Response:
    user = current(request, *AGENCIES)
    procedure = request.path_params["procedure"]
    draft = _draft(request, user, procedure)
    folder = _dir(request)
    n = int(request.path_params["n"])
    path = studio.template_file(folder, procedure, draft)
    if path is None:
        raise Page(404)
    data = path.read_bytes()
    if not 1 <= n <= len(pdfium.page_sizes(data)):
        raise Page(404)
    from pipeline.review import png

    image = await run_in_threadpool(pdfium.render, data, n - 1, DISPLAY_DPI, max_pixels=40_000_000, forms=True)
    return Response(png(image), media_type="image/png", headers={"Cache-Control": "private, no-cache"})


def routes() -> list:
    from starlette.routing import Route

    return [
        Route("/studio", studio_list, methods=["GET"]),
        Route("/studio", studio_new, methods=["POST"]),
        Route("/studio/{procedure}", studio_page, methods=["GET"]),
        Route("/studio/{procedure}", studio_post, methods=["POST"]),
        Route("/studio/{procedure}/try", studio_try, methods=["POST"]),
        Route("/studio/{procedure}/pages/{n:int}.png", studio_page_image),
    ]
