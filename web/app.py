"""The web application: server-rendered pages (Starlette, Jinja2) over the library, every asset served here.

Small view functions: each reads the request, calls `pipeline` (which knows nothing of HTTP), and renders a
template. Every page but the login page needs a session; roles are checked here, on the server; every POST
carries its CSRF token; Jinja escapes everything it prints. A record of a procedure the user was not granted is
404, as is an id that is not a record id: no part of a URL reaches the store unchecked.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pipeline import charts, figures, review
from pipeline.reading.templates import TemplateCache
from pipeline.record import REVIEW_KINDS
from pipeline.schemas.schema import LoadedSchema
from pipeline.storage import index as storage_index
from pipeline.storage import users
from pipeline.storage.store import Store

from . import dashboard, i18n, upload
from .auth import LOGIN_COOKIE, SESSION_COOKIE, Sessions, same

HERE = Path(__file__).parent
log = logging.getLogger("demat.web")
REVIEWERS = ("clerk",)
ANALYSTS = ("analyst",)


@dataclass
class State:
    store: Store
    schemas: list[LoadedSchema]
    sessions: Sessions
    uploads: upload.Uploads = field(default_factory=lambda: upload.Uploads(None, None))
    templates: TemplateCache = field(default_factory=TemplateCache)
    pages: dict[tuple[str, int, int], dict[str, Any]] = field(default_factory=dict)  # see _aligned
    index: tuple[tuple[str, ...], Any] = ((), None)  # the index's file keys, and the table read from them
    schemas_dir: Path | None = None  # where schemas are published (the studio's drafts in its .studio/)

    def index_table(self):
        """The counting index, read again only when its files changed (they are written once, never edited)."""
        keys = tuple(storage_index.index_keys(self.store))
        if keys != self.index[0] or self.index[1] is None:
            self.index = (keys, storage_index.read(self.store, figures.COLUMNS, list(keys)))
        return self.index[1]

    def schema_of(self, record: dict[str, Any]) -> LoadedSchema | None:
        return next((s for s in self.schemas if s.procedure == record.get("procedure")
                     and s.spec.version == record.get("schema_version")), None)


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    return env


ENV = _env()


class Page(HTTPException):
    """An answer as a friendly page: 403, 404, 409."""


def _lang(request: Request) -> str:
    return i18n.pick(request.cookies.get("lang"), request.headers.get("accept-language"))


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    lang = _lang(request)
    html = ENV.get_template(template).render(t=i18n.translator(lang), lang=lang, request=request,
                                         user=getattr(request.state, "user", None),
                                         csrf=getattr(request.state, "csrf", ""), **ctx)
    resp = HTMLResponse(html, status_code=status)
    resp.headers["Content-Security-Policy"] = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                               "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


def _state(request: Request) -> State:
    return request.app.state.demat


def current(request: Request, *roles: str) -> users.User:
    """The signed-in user, who must hold one of `roles` (admins hold all); else a redirect to login or 403."""
    state = _state(request)
    session = state.sessions.read(request.cookies.get(SESSION_COOKIE))
    user = users.get(state.store, session[0]) if session else None
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, headers={"Location": f"/login?next={quote(target)}"})
    request.state.user, request.state.csrf = user, session[1]
    if roles and not user.may(*roles):
        raise Page(403)
    return user


async def form_checked(request: Request) -> dict[str, str]:
    form = await request.form()
    if not same(form.get("csrf"), request.state.csrf):
        raise Page(403, detail="csrf")
    return {k: str(v) for k, v in form.items()}


def _safe_next(target: str | None) -> str:
    return target if target and re.match(r"^/[a-zA-Z0-9/_?=&.%-]*$", target) and not target.startswith("//") \
        else "/"


# ---------------------------------------------------------------------------------------------- views


async def login_page(request: Request) -> Response:
    state = _state(request)
    if request.method == "GET":
        cookie, token = state.sessions.login_token()
        resp = render(request, "login.html", token=token, next=_safe_next(request.query_params.get("next")))
        resp.set_cookie(LOGIN_COOKIE, cookie, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return resp
    form = await request.form()
    token = state.sessions.login_token_of(request.cookies.get(LOGIN_COOKIE))
    if not same(form.get("csrf"), token):
        raise Page(403, detail="csrf")
    name = str(form.get("user") or "").strip().lower()
    who = f"{name}@{request.client.host if request.client else ''}"
    await state.sessions.slow_down(who)
    user = users.verify(state.store, name, str(form.get("password") or ""))
    if user is None:
        state.sessions.failed(who)
        log.info("failed login for %r", name)
        cookie, token = state.sessions.login_token()
        resp = render(request, "login.html", 401, token=token, error=True, name=name,
                      next=_safe_next(str(form.get("next") or "")))
        resp.set_cookie(LOGIN_COOKIE, cookie, httponly=True, samesite="strict", secure=request.url.scheme == "https")
        return resp
    state.sessions.succeeded(who)
    cookie, _ = state.sessions.issue(user.name)
    resp = RedirectResponse(_safe_next(str(form.get("next") or "")), 303)
    resp.set_cookie(SESSION_COOKIE, cookie, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                    max_age=8 * 3600)
    resp.delete_cookie(LOGIN_COOKIE)
    return resp


async def logout(request: Request) -> Response:
    current(request)
    await form_checked(request)
    resp = RedirectResponse("/login", 303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


async def language(request: Request) -> Response:
    lang = request.query_params.get("lang")
    resp = RedirectResponse(_safe_next(request.query_params.get("next")), 303)
    if lang in i18n.LANGS:
        resp.set_cookie("lang", lang, samesite="strict", max_age=365 * 86400)
    return resp


async def home(request: Request) -> Response:
    user = current(request)
    if user.may(*REVIEWERS):
        return RedirectResponse("/queue", 303)
    if user.may(*ANALYSTS):
        return RedirectResponse("/dashboard", 303)
    if user.may("agency"):
        return RedirectResponse("/studio", 303)
    raise Page(403)


def _filters(params) -> dict[str, str | None]:
    out = {k: (params.get(k) or None) for k in ("procedure", "batch", "kind")}
    if out["kind"] not in REVIEW_KINDS:
        out["kind"] = None
    return out


async def queue_page(request: Request) -> Response:
    user = current(request, *REVIEWERS)
    state = _state(request)
    filters = _filters(request.query_params)
    items = review.queue(state.store, user.sees, **filters)
    procedures = sorted({s.procedure for s in state.schemas if user.sees(s.procedure)})
    holders = {i.id: review.holder(state.store, i.id) for i in items[:200]}
    return render(request, "queue.html", items=items[:200], count=len(items), holders=holders, kinds=REVIEW_KINDS,
                  procedures=procedures, filters=filters, query=urlencode({k: v for k, v in filters.items() if v}))


async def next_record(request: Request) -> Response:
    user = current(request, *REVIEWERS)
    form = await form_checked(request)
    item = review.next_item(_state(request).store, user.sees, user.name, **_filters(form))
    if item is None:
        return RedirectResponse("/queue", 303)
    return RedirectResponse(f"/records/{item.id}", 303)


def _record_for(request: Request, user: users.User) -> tuple[dict[str, Any], LoadedSchema]:
    state = _state(request)
    record = review.load_record(state.store, request.path_params["rid"])
    if record is None or not user.sees(record.get("procedure")):
        raise Page(404)
    schema = state.schema_of(record)
    if schema is None:
        raise Page(404)
    return record, schema


def _field_rows(record: dict[str, Any], schema: LoadedSchema) -> list[dict[str, Any]]:
    rows = []
    for spec in schema.spec.fields:
        f = record["fields"].get(spec.name) or {"value": None, "text": "", "confidence": 0.0, "errors": []}
        rows.append({"spec": spec, "field": f, "input": review.input_text(spec, f),
                     "doubtful": review.doubtful(spec, f)})
    rows.sort(key=lambda r: (not r["doubtful"], r["spec"].page))
    return rows


def _record_view(request: Request, record, schema, status: int = 200, *, typed=None, problems=None,
                 message: str = "") -> HTMLResponse:
    rows = _field_rows(record, schema)
    if typed:
        for r in rows:
            r["input"] = typed.get(r["spec"].name, r["input"])
    state = _state(request)
    boxes = []
    for r in rows:
        box = review.zone_box(r["spec"], schema, state.templates)
        if box:
            tpl = state.templates.get(schema, r["spec"].page)
            h, w = tpl.image.shape
            boxes.append({"name": r["spec"].name, "page": r["spec"].page, "doubtful": r["doubtful"],
                          "x": 100 * box[0] / w, "y": 100 * box[1] / h, "w": 100 * (box[2] - box[0]) / w,
                          "h": 100 * (box[3] - box[1]) / h})
    pages = [a["template_page"] for a in record.get("alignment") or []]
    return render(request, "record.html", status, record=record, schema=schema, rows=rows, boxes=boxes,
                  pages=pages, problems=problems or {}, message=message,
                  revision=int(record.get("revision") or 0),
                  holder=review.holder(state.store, record["id"]))


async def record_page(request: Request) -> Response:
    user = current(request, *REVIEWERS)
    record, schema = _record_for(request, user)
    state = _state(request)
    review.hold(state.store, record["id"], user.name)  # when another reviewer holds it: shown, with who
    return _record_view(request, record, schema)


async def record_save(request: Request) -> Response:
    user = current(request, *REVIEWERS)
    record, schema = _record_for(request, user)
    form = await form_checked(request)
    state = _state(request)
    action = form.get("action", "")
    if action == "postpone":
        review.release(state.store, record["id"], user.name)
        return RedirectResponse("/queue", 303)
    if action not in ("accept", "reject"):
        raise Page(404)
    try:
        opened = int(form.get("revision", "-1"))
    except ValueError:
        opened = -1
    t = i18n.translator(_lang(request))
    other = review.holder(state.store, record["id"])
    if other not in (None, user.name):
        return _record_view(request, record, schema, 409, message=t("held", who=other))
    if opened != int(record.get("revision") or 0):  # changed since it was opened: that first, whatever was typed
        return _record_view(request, record, schema, 409, message=t("conflict"))
    typed = {k[len("f."):]: v for k, v in form.items() if k.startswith("f.")}
    for spec in schema.spec.fields:  # an unticked box is not posted
        if spec.type == "checkbox" and f"f.{spec.name}" not in form and f"seen.{spec.name}" in form:
            typed[spec.name] = ""
    new, problems = review.decide(schema, record, typed, action, by=user.name, reason=form.get("reason", ""))
    if new is None:
        return _record_view(request, record, schema, 422, typed=typed, problems=problems, message=t("fix_first"))
    try:
        review.save(state.store, new, opened_revision=opened)
    except review.Conflict:
        fresh = review.load_record(state.store, record["id"]) or record
        return _record_view(request, fresh, schema, 409, message=t("conflict"))
    log.info("record %s %s by %s", record["id"], new["status"], user.name)
    return RedirectResponse("/next" if form.get("then") == "next" else "/queue", 303)


async def next_get(request: Request) -> Response:
    """After a decision: straight to the next record (a GET that only holds one, for the reviewer)."""
    user = current(request, *REVIEWERS)
    item = review.next_item(_state(request).store, user.sees, user.name)
    return RedirectResponse(f"/records/{item.id}" if item else "/queue", 303)


def _group_fields(state: State, user: users.User) -> list[tuple[str, str, str, str]]:
    """(procedure, field, label, type) of every checkbox and comb field the user may verify as a group."""
    return [(s.procedure, f.name, f.label or f.name, f.type) for s in state.schemas if user.sees(s.procedure)
            for f in s.spec.fields if f.type == "checkbox" or f.comb]


async def group_page(request: Request) -> Response:
    """One checkbox or comb field across the records of the queue: a grid of crops with their reading, to
    confirm all at once or correct the odd one out."""
    user = current(request, *REVIEWERS)
    state = _state(request)
    choices = _group_fields(state, user)
    procedure, name = request.query_params.get("procedure"), request.query_params.get("field")
    chosen = next((c for c in choices if c[0] == procedure and c[1] == name), None)
    records = review.group(state.store, state.schemas, user.sees, procedure, name) if chosen else []
    records = [r for r in records if review.holder(state.store, r["id"]) in (None, user.name)]
    cells = []
    for r in records:
        schema = state.schema_of(r)
        spec = next((f for f in schema.spec.fields if f.name == name), None) if schema else None
        if spec is not None:
            cells.append({"record": r, "input": review.input_text(spec, r["fields"][name]),
                          "doubtful": review.doubtful(spec, r["fields"][name])})
    done = request.query_params.get("done")
    return render(request, "group.html", choices=choices, chosen=chosen, cells=cells,
                  done=int(done) if done and done.isdigit() else None)


async def group_save(request: Request) -> Response:
    user = current(request, *REVIEWERS)
    form = await form_checked(request)
    state = _state(request)
    choices = _group_fields(state, user)
    chosen = next((c for c in choices if c[0] == form.get("procedure") and c[1] == form.get("field")), None)
    if chosen is None:
        raise Page(404)
    procedure, name, _, ftype = chosen
    saved = 0
    for rid in form.get("ids", "").split(","):
        record = review.load_record(state.store, rid)
        if record is None or record.get("procedure") != procedure or not user.sees(procedure):
            continue
        schema = state.schema_of(record)
        if schema is None or review.holder(state.store, rid) not in (None, user.name):
            continue
        text = ("X" if form.get(f"v.{rid}") else "") if ftype == "checkbox" else form.get(f"v.{rid}", "")
        new, problem = review.confirm_field(schema, record, name, text, by=user.name)
        if new is None:
            continue
        try:
            review.save(state.store, new, opened_revision=int(form.get(f"rev.{rid}", "-1")))
            saved += 1
        except (review.Conflict, ValueError):
            continue
    log.info("group verification of %s.%s by %s: %d records", procedure, name, user.name, saved)
    return RedirectResponse(f"/group?{urlencode({'procedure': procedure, 'field': name, 'done': saved})}", 303)


async def upload_page(request: Request) -> Response:
    current(request, *REVIEWERS)
    if not _state(request).uploads.enabled:
        raise Page(404)
    return render(request, "upload.html", limit_mb=upload.max_bytes() // 2**20)


async def upload_post(request: Request) -> Response:
    user = current(request, *REVIEWERS)
    state = _state(request)
    if not state.uploads.enabled:
        raise Page(404)
    limit = upload.max_bytes()
    if int(request.headers.get("content-length") or 0) > limit + 2**20:
        return render(request, "upload.html", 413, limit_mb=limit // 2**20, too_big=True)
    form = await request.form(max_files=20_000, max_fields=50)
    try:
        if not same(form.get("csrf"), request.state.csrf):
            raise Page(403, detail="csrf")
        job = state.uploads.new_job(user.name, str(form.get("batch") or ""))
        budget = [limit]
        try:
            for item in form.getlist("files"):
                if hasattr(item, "read"):
                    await state.uploads.save(job, item, budget)
        except upload.TooBig:
            shutil.rmtree(job.folder, ignore_errors=True)
            return render(request, "upload.html", 413, limit_mb=limit // 2**20, too_big=True)
    finally:
        await form.close()
    if not job.files:
        shutil.rmtree(job.folder, ignore_errors=True)
        return render(request, "upload.html", 422, limit_mb=limit // 2**20, no_file=True)
    log.info("upload %s by %s: %d files, batch %s", job.id, user.name, job.files, job.batch)
    state.uploads.start(job)
    return RedirectResponse(f"/uploads/{job.id}", 303)


async def upload_progress(request: Request) -> Response:
    user = current(request, *REVIEWERS)
    job = _state(request).uploads.get(request.path_params["jid"], user.name)
    if job is None:
        raise Page(404)
    return render(request, "progress.html", job=job, elapsed=time.time() - job.started)


PAGES_KEPT = 12  # aligned pages kept decoded (8 MB each at 300 dpi): a record's crops are all cut from its page


def _aligned(request: Request, record, schema, n: int) -> dict[str, Any]:
    """The record's n-th page in the template's frame, made once and kept: {"image": array, "png": bytes}."""
    state = _state(request)
    key = (record["id"], int(record.get("revision") or 0), n)
    if key not in state.pages:
        image = review.aligned_page(state.store, record, schema, n, state.templates)
        if image is None:
            raise Page(404)
        if len(state.pages) >= PAGES_KEPT:
            state.pages.pop(next(iter(state.pages)))
        state.pages[key] = {"image": image}
    return state.pages[key]


async def page_image(request: Request) -> Response:
    user = current(request, *REVIEWERS)
    record, schema = _record_for(request, user)
    page = _aligned(request, record, schema, int(request.path_params["n"]))
    if "png" not in page:
        page["png"] = review.png(page["image"])
    return Response(page["png"], media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


async def field_crop(request: Request) -> Response:
    user = current(request, *REVIEWERS)
    record, schema = _record_for(request, user)
    spec = next((f for f in schema.spec.fields if f.name == request.path_params["name"]), None)
    if spec is None:
        raise Page(404)
    pages = [a["template_page"] for a in record.get("alignment") or []]
    if spec.page not in pages:
        raise Page(404)
    box = review.zone_box(spec, schema, _state(request).templates)
    if box is None:
        raise Page(404)
    image = _aligned(request, record, schema, pages.index(spec.page) + 1)["image"]
    return Response(review.png(review.crop(image, box), width=900), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


# ------------------------------------------------------------------------------------------ analysts

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _figure_filters(request: Request, user: users.User) -> figures.Filters:
    """The dashboard's filters from the query; a procedure the user was not granted is 404, a date not a date is
    left out."""
    q = request.query_params
    procedure = q.get("procedure") or None
    if procedure is not None and not user.sees(procedure):
        raise Page(404)
    dates = {k: (q.get(k) if ISO_DATE.match(q.get(k) or "") else None) for k in ("since", "until")}
    return figures.Filters(procedure, q.get("batch") or None, dates["since"], dates["until"])


def _figures(request: Request, user: users.User, table) -> figures.Figures:
    return figures.figures(table, _figure_filters(request, user), sees=user.sees,
                           expected=dashboard.expected(_state(request).schemas))


async def dashboard_page(request: Request) -> Response:
    user = current(request, *ANALYSTS)
    state = _state(request)
    table = state.index_table()  # once per request: each look lists the index's files
    fig = _figures(request, user, table)
    t = i18n.translator(_lang(request))
    visible = figures.select(table, figures.Filters(), user.sees)
    procedures = sorted({s.procedure for s in state.schemas if user.sees(s.procedure)}
                        | {p for p in visible["procedure"].unique().to_pylist() if p})
    batch_names = sorted((b for b in visible["batch"].unique().to_pylist() if b), reverse=True)
    waiting = next(r for r in fig.tables["backlog"] if r["procedure"] == figures.ALL)
    return render(request, "dashboard.html", fig=fig, filters=fig.filters, query=urlencode(fig.filters.query()),
                  charts=[(name, c.title, c.marks, Markup(charts.svg(c))) for name, c in dashboard.chart_set(fig, t)],
                  tables=dashboard.tables(fig, t, _lang(request)), procedures=procedures, batch_names=batch_names,
                  waiting=waiting, reached=fig.reached)


async def dashboard_export(request: Request) -> Response:
    """The table behind a chart, as CSV or Parquet, for the same filters."""
    user = current(request, *ANALYSTS)
    name, fmt = request.path_params["table"], request.path_params["fmt"]
    if name not in figures.TABLES or fmt not in ("csv", "parquet"):
        raise Page(404)
    rows = _figures(request, user, _state(request).index_table()).tables[name]
    data, media = ((figures.to_csv(rows, name).encode("utf-8"), "text/csv; charset=utf-8") if fmt == "csv"
                   else (figures.to_parquet(rows, name), "application/vnd.apache.parquet"))
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="demat-{name}.{fmt}"'})


async def batch_page(request: Request) -> Response:
    """One batch: its runs (documents, pages, pages per second, the Prefect flow run) and its records."""
    user = current(request, *ANALYSTS, *REVIEWERS)
    state = _state(request)
    name = request.path_params["name"]
    rows = figures.select(state.index_table(), figures.Filters(batch=name), user.sees)
    if rows.num_rows == 0:  # a batch the index does not know, or none of whose records the user may see
        raise Page(404)
    runs = []  # a run's counts span every procedure of the batch: shown to those who see them all
    for key in sorted(state.store.list(f"batches/{name}/")) if user.sees("*") else ():
        if key.endswith(".json") and key.count("/") == 2:
            run = json.loads(state.store.get(key))
            secs = float(run.get("seconds") or 0)
            runs.append({**run, "rate": round(run.get("pages", 0) / secs, 2) if secs else None,
                         "flow_run_url": run.get("flow_run_url") if str(run.get("flow_run_url", "")).startswith(
                             ("http://", "https://")) else None})
    records = sorted(rows.select(["id", "procedure", "status", "ingested_at"]).to_pylist(),
                     key=lambda r: (r["ingested_at"] or "", r["id"]))
    summary = next(iter(figures.batches(rows)), None)
    return render(request, "batch.html", name=name, runs=runs, records=records[:1000], count=len(records),
                  summary=summary, reviewer=user.may(*REVIEWERS))


# ------------------------------------------------------------------------------------------ errors


async def http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code in (301, 302, 303, 307) and exc.headers and "Location" in exc.headers:
        return RedirectResponse(exc.headers["Location"], exc.status_code)
    key = {403: "csrf" if exc.detail == "csrf" else "forbidden", 404: "not_found"}.get(exc.status_code, "error")
    return render(request, "error.html", exc.status_code, key=key)


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("error on %s %s", request.method, request.url.path)
    return render(request, "error.html", 500, key="error")


def create_app(store: Store, schemas: list[LoadedSchema], secret: str | None = None, *,
               store_url: str | None = None, schemas_dir: str | None = None) -> Starlette:
    """The application over `store` and `schemas`; with `schemas_dir` (and `store_url`, as `ingest` takes
    them), clerks may also upload files, read by the ingest flow."""
    from . import studio  # its views use this module's helpers

    routes = [
        Route("/", home),
        Route("/login", login_page, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/lang", language),
        Route("/queue", queue_page),
        Route("/next", next_record, methods=["POST"]),
        Route("/next", next_get, methods=["GET"]),
        Route("/upload", upload_page, methods=["GET"]),
        Route("/upload", upload_post, methods=["POST"]),
        Route("/uploads/{jid}", upload_progress),
        Route("/dashboard", dashboard_page),
        Route("/dashboard/{table}.{fmt}", dashboard_export),
        Route("/batches/{name}", batch_page),
        Route("/group", group_page, methods=["GET"]),
        Route("/group", group_save, methods=["POST"]),
        Route("/records/{rid}", record_page, methods=["GET"]),
        Route("/records/{rid}", record_save, methods=["POST"]),
        Route("/records/{rid}/pages/{n:int}.png", page_image),
        Route("/records/{rid}/fields/{name}.png", field_crop),
        *studio.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: server_error})
    app.state.demat = State(store, schemas, Sessions(secret), upload.Uploads(store_url, schemas_dir),
                            schemas_dir=Path(schemas_dir) if schemas_dir else None)
    return app
