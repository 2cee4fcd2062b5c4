"""The story of one document: read it, keep the original, find the forms in it, read their fields, build records.

    digitize(ref, ctx) -> Outcome     (nothing written but the original; records travel in the outcome)
    archive.commit(store, ...)        (the records, then the document's commit mark)

Every document ends as at least one record: a form it holds (accepted / needs_review) or a rejected record with
the reason. Only tool and store failures (DematError) escape, because they stop the batch.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Sequence

import cv2
import numpy as np

from .errors import DematError, DocumentError, StageFailure, ToolFailure
from .inputs import load, sources
from .inputs.preprocess import deskew, is_blank, turn
from .reading import tesseract
from .reading.batching import OcrBatcher
from .reading.entities import EntityModel
from .reading.extract import (
    Reading,
    read_checkbox,
    read_raster_fields,
    read_text_fields,
)
from .reading.identify import Candidate, rank, rank_layout
from .reading.locate import PageWord, locate_fields, ocr_words, refine
from .reading.ocr import Reader
from .reading.register import (CROWDED_FEATURES, NAMED_FEATURES, Alignment, Features, agreement, align, align_any,
                               warp)
from .reading.templates import WORK_DPI, TemplateCache
from .record import (
    Instance,
    PageInfo,
    SourceInfo,
    form_record,
    rejected_record,
    source_key,
)
from .schemas.schema import LoadedSchema
from .storage import archive
from .storage.store import Store

log = logging.getLogger("demat")

IDENTIFY_BAND = 0.22  # top share of the page OCRed to identify the form; the full page only if that fails


@dataclass
class Context:
    """What one worker needs to digitize documents; built once per worker, never sent across processes."""

    schemas: list[LoadedSchema]
    store: Store
    batch: str
    templates: TemplateCache = field(default_factory=TemplateCache)
    entities: EntityModel = field(default_factory=EntityModel)  # loads spaCy only if a schema asks for it
    ocr: OcrBatcher = field(default_factory=OcrBatcher)  # zone OCR of concurrent documents, in shared calls


@dataclass(frozen=True)
class Outcome:
    """The result of digitizing one document: small and serializable."""

    source_key: str
    name: str
    pages: int
    duplicate: bool
    records: tuple[dict[str, Any], ...]
    failures: tuple[str, ...] = ()  # what a tool crash, time-out or stage error did to this document, named


@dataclass
class PageResult:
    number: int
    kind: Literal["form", "blank", "unidentified"]
    schema: LoadedSchema | None = None
    template_page: int = 0
    alignment: Alignment | None = None
    skew: float = 0.0
    readings: dict[str, Reading] = field(default_factory=dict)
    turned: int = 0  # clockwise degrees the page was turned to be upright


# ------------------------------------------------------------------------------------------- one document


def digitize(ref: sources.DocRef, ctx: Context) -> Outcome:
    try:
        src = sources.read(ref) if ref.stored is None else sources.from_bytes(ref, ctx.store.get(ref.stored))
    except DocumentError as exc:
        return _unreadable(ref, exc.reason, ctx)
    info = SourceInfo(src.name, src.sha256, src.media_type, source_key(src.sha256),
                      archive.original_key(src.sha256, src.media_type))
    if archive.is_ingested(ctx.store, info.key):
        return Outcome(info.key, info.name, 0, True, ())
    archive.save_original(ctx.store, src.data, src.sha256, src.media_type)
    try:
        records, pages, failures = _read_document(ref, src, info, ctx)
    except ToolFailure:
        # A tool crashed or hung on this document: it is read once more alone (its OCR in calls of its own), in
        # case the failure came from company; what fails again is recorded.
        log.info("%s: a tool failed; reading it again alone", info.name)
        records, pages, failures = _read_document(ref, src, info, replace(ctx, ocr=OcrBatcher(slots=1)), last=True)
    return Outcome(info.key, info.name, pages, False, tuple(records), tuple(failures))


def _read_document(ref: sources.DocRef, src: sources.Source, info: SourceInfo, ctx: Context, *, last: bool = False
                   ) -> tuple[list[dict[str, Any]], int, list[str]]:
    """The records of one document, the pages it has, and what tools failed on (a crash, a time-out or an
    exception in a stage, named). A tool failure escapes unless `last`, for the caller to try again alone."""
    pages = 0
    try:
        if ref.member is not None:
            sources.check_member_name(ref.member)
        sources.check_type(src)
        results: list[PageResult] = []
        for page in load.pages(src.data, src.media_type):
            pages += 1
            try:
                results.append(read_page(page, ctx, after=results[-1] if results else None))
            except ToolFailure as exc:
                raise exc.at(f"on page {pages}") from exc
            except (DocumentError, DematError):
                raise
            except Exception as exc:  # a bug or a library failure on odd input: the document is kept and flagged
                log.debug("internal error on %s, page %d", info.name, pages, exc_info=True)
                raise StageFailure(f"internal error reading page {pages}: {type(exc).__name__}: {exc}") from exc
        records = [form_record(inst, info, ctx.batch) for inst in group_instances(results)]
        if not records:
            raise DocumentError(_why_no_form(results))
        failed = [r.problem for res in results for r in res.readings.values() if r.failed]
        return records, pages, failed
    except ToolFailure as exc:
        if not last:
            raise
        return [rejected_record(info, exc.reason, ctx.batch, list(range(1, pages + 1)))], pages, [exc.reason]
    except StageFailure as exc:
        return [rejected_record(info, exc.reason, ctx.batch, list(range(1, pages + 1)))], pages, [exc.reason]
    except DocumentError as exc:
        return [rejected_record(info, exc.reason, ctx.batch, list(range(1, pages + 1)))], pages, []
    except DematError:
        raise
    except Exception as exc:  # a library failed on the file's pages: the document is kept and flagged
        log.debug("internal error on %s", info.name, exc_info=True)
        reason = f"internal error reading the file's pages: {type(exc).__name__}: {exc}"
        return [rejected_record(info, reason, ctx.batch)], pages, [reason]


def digitize_many(refs: list[sources.DocRef], ctx: Context, *, concurrent: int = 4) -> list[Outcome]:
    """Documents digitized side by side in `concurrent` threads, their zone OCR merged with that of every other
    thread reading documents with this context (ctx.ocr) into shared Tesseract calls; outcomes in the order of
    `refs`."""

    def one(ref: sources.DocRef) -> Outcome:
        with ctx.ocr.producing():
            return digitize(ref, ctx)

    if concurrent <= 1 or len(refs) <= 1:
        return [one(ref) for ref in refs]

    with ThreadPoolExecutor(min(concurrent, len(refs)), thread_name_prefix="demat-doc") as pool:
        return list(pool.map(one, refs))


def _unreadable(ref: sources.DocRef, reason: str, ctx: Context) -> Outcome:
    """A document whose own bytes cannot be had (zip bomb, oversized): keep the file that holds it instead."""
    import hashlib

    data = sources.read_archive_bytes(ref)
    sha = hashlib.sha256(data).hexdigest()
    media = sources.sniff(data[:1024])
    key = source_key(sha, ref.member or "")
    info = SourceInfo(ref.name, sha, media, key, archive.original_key(sha, media))
    if archive.is_ingested(ctx.store, key):
        return Outcome(key, ref.name, 0, True, ())
    archive.save_original(ctx.store, data, sha, media)
    return Outcome(key, ref.name, 0, False, (rejected_record(info, reason, ctx.batch),))


def _why_no_form(results: list[PageResult]) -> str:
    if results and all(r.kind == "blank" for r in results):
        return "blank page" if len(results) == 1 else f"all {len(results)} pages are blank"
    return "form not identified: no schema matches the text printed on the page" + ("s" if len(results) > 1 else "")


# --------------------------------------------------------------------------------------------- one page


def read_page(page: load.Page, ctx: Context, after: PageResult | None = None) -> PageResult:
    """`after`: the previous page's result; a page that follows page k of a form may be its page k+1 even
    when nothing printed on it names the form (only the first page carries the title)."""
    if isinstance(page, load.TextPage):
        return _read_text_page(page, ctx, after)
    return _read_raster_page(page, ctx, after)


def identification_text(upright: np.ndarray, dpi: float, *, level: int = 0, reader: Reader = tesseract.images_to_words
                        ) -> str:
    """OCR for identification, cheapest first: level 0 the header band at 150 dpi, 1 the band at 300 dpi,
    2 the whole page at 200 dpi."""
    band, target, psm = ((IDENTIFY_BAND, 150, 11), (IDENTIFY_BAND, 300, 11), (1.0, 200, 3))[level]
    img = upright[: max(32, int(upright.shape[0] * band))]
    if dpi > target * 1.1:
        f = target / dpi
        img = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    words = reader([img], lang="fra+eng", psm=psm, dpi=int(min(dpi, target)))[0]
    return " ".join(w.text for w in words)


IDENTIFY_LEVELS = 3


def _identify(upright: np.ndarray, dpi: float, ctx: Context, levels: range = range(IDENTIFY_LEVELS - 1),
              after: PageResult | None = None, features: Features | None = None
              ) -> tuple[LoadedSchema, int, Alignment] | None:
    """OCR at the given identification levels (by default the header at 150 then 300 dpi), keyword ranking,
    then registration among the best candidates (`features`: what aligning this page found so far). A form named
    by only some of its keywords is the page's form only where the page aligns to one of its pages: where it
    aligns to none, the best such found is returned with its alignment's reason `PARTLY_NAMED`, for the caller
    to know that the page was read upright."""
    partly = None
    for level in levels:
        try:
            text = identification_text(upright, dpi, level=level, reader=ctx.ocr)
        except ToolFailure as exc:
            raise exc.at("identifying the form") from exc
        candidates = rank(text, ctx.schemas)
        if not candidates:
            continue
        found = _best_registration(upright, candidates, ctx.templates, after, features)
        if found[2].ok or any(c.whole for c in candidates if c.schema is found[0]):
            return found
        # Named by some of a form's words only, and like none of its pages: no evidence of that form. A CERFA
        # 14411's faxed notice page cites "L.160-28-2", the LU ACD 160's form number ("160"), and none of that
        # form's title: it aligned to none of its pages (13 features) and became an LU ACD 160 record of its own.
        partly = partly or (found[0], found[1], replace(found[2], reason=PARTLY_NAMED))
    return partly


PARTLY_NAMED = "named by only some of the form's words, and like none of its pages"


def _partly_named(found: tuple[LoadedSchema, int, Alignment] | None) -> bool:
    return found is not None and found[2].reason == PARTLY_NAMED


def _turns_to_try(gray: np.ndarray, dpi: float, ctx: Context) -> list[int]:
    """Clockwise turns (90, 180, 270) to try on a page that did not read upright: the one Tesseract's
    orientation detection suggests first (its confidence is often low on sparse forms), then the others."""
    f = min(1.0, 150 / dpi)
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    with ctx.ocr.slot():
        rotate, _ = tesseract.orientation(small, dpi=int(dpi * f))
    return ([rotate] if rotate else []) + [t for t in (180, 90, 270) if t != rotate]


def _may_continue(after: PageResult | None) -> bool:
    return (after is not None and after.kind == "form" and after.schema is not None
            and after.template_page < after.schema.pages)


def _continuation(upright: np.ndarray, after: PageResult | None, templates: TemplateCache):
    if not _may_continue(after):
        return None
    nxt = after.template_page + 1
    a = align(upright, templates.get(after.schema, nxt))
    return (after.schema, nxt, a) if a.ok else None


LOOK_CANDIDATES = 4  # template pages verified by registration when their looks are alike
MIN_AGREEMENT = 0.9  # share of a template's print found on the aligned page for a match by look
FALLBACK_AGREEMENT = 0.6  # ... enough when the page's words name no form at all


# A page aligned to a template page shows at least this share of its print, or it is not that page: the W-9's
# third page of instructions, named by its header, aligned to the form on 25 features of a fax, and became a
# record of its own, accepted with every field empty (0.12 of the form's print found; a light or faxed CERFA
# 14411, the faintest print, shows 0.68 and more).
PAGE_AGREEMENT = 0.4

LOOK_TIE = 0.03  # agreements this close do not tell two template pages apart


@dataclass(frozen=True)
class LookMatch:
    # every template page the page aligned to, with the share of that page's print found on the aligned page
    scored: tuple[tuple[float, tuple[LoadedSchema, int, Alignment]], ...]

    @property
    def agreement(self) -> float:
        return max(a for a, _ in self.scored)

    @property
    def found(self) -> tuple[LoadedSchema, int, Alignment]:
        return max(self.scored, key=lambda s: s[0])[1]

    @property
    def sure(self) -> bool:
        return self.agreement >= MIN_AGREEMENT

    def fallback(self, after: PageResult | None) -> tuple[LoadedSchema, int, Alignment] | None:
        """The match to keep when no word names a form: None under FALLBACK_AGREEMENT."""
        return _most_agreeing(self.scored, after) if self.agreement >= FALLBACK_AGREEMENT else None


def _most_agreeing(scored: Sequence[tuple[float, tuple[LoadedSchema, int, Alignment]]], after: PageResult | None
                   ) -> tuple[LoadedSchema, int, Alignment]:
    """The template page most of whose print is found on the page. A form printed twice on its pages (CERFA
    14411's two "volets") matches both alike (0.644 and 0.653 of their print found on a fax of its first page):
    among pages of one form that agree within LOOK_TIE, the one that follows the previous page, or the first."""
    agree, best = max(scored, key=lambda s: s[0])
    tied = [t for a, t in scored if t[0] is best[0] and a >= agree - LOOK_TIE]
    follows = [t for t in tied if _may_continue(after) and after.schema is best[0] and t[1] == after.template_page + 1]
    return (follows or sorted(tied, key=lambda t: t[1]))[0]


def _identify_by_look(upright: np.ndarray, ctx: Context, features: Features | None = None) -> LookMatch | None:
    """Identification without OCR: the template pages that look like the page, verified by registration and
    by finding the template's own print on the aligned page; the best of them, sure or not (when it is not, the
    words decide)."""
    pages = [(c.schema, c.page) for c in rank_layout(upright, ctx.schemas, ctx.templates)[:LOOK_CANDIDATES]]
    scored = _agreements(upright, _aligned(upright, pages, ctx.templates, features=features), ctx.templates)
    return LookMatch(tuple(scored)) if scored else None


def _aligned(upright: np.ndarray, pages: list[tuple[LoadedSchema, int]], templates: TemplateCache,
             counts: tuple[int, ...] = (CROWDED_FEATURES,), features: Features | None = None
             ) -> list[tuple[LoadedSchema, int, Alignment]]:
    """The page aligned to each of these template pages (`register.align_any`: on more features, as many as each of
    `counts`, when it aligns to none or barely)."""
    found = align_any(upright, [templates.get(s, p) for s, p in pages], counts, features)
    return [(s, p, a) for (s, p), a in zip(pages, found)]


def _agreements(upright: np.ndarray, tried: list[tuple[LoadedSchema, int, Alignment]],
                templates: TemplateCache) -> list[tuple[float, tuple[LoadedSchema, int, Alignment]]]:
    """For each template page the page aligned to, how much of that template's own print is found on it."""
    return [(agreement(upright, t[2], templates.get(t[0], t[1])), t) for t in tried if t[2].ok]


def _read_raster_page(page: load.RasterPage, ctx: Context, after: PageResult | None = None) -> PageResult:
    if is_blank(page.image, page.dpi):
        return PageResult(page.number, "blank")
    upright, skew = deskew(page.image)
    features: Features = {}  # what aligning the page upright finds, kept for each step that aligns it
    look = _identify_by_look(upright, ctx, features)
    found = (look.found if look is not None and look.sure
             else _identify(upright, page.dpi, ctx, after=after, features=features))
    read_upright = _partly_named(found)  # its words name a form, in part: it was read upright
    if found is None or read_upright:
        found = _continuation(upright, after, ctx.templates)
    turned = 0
    # Not named, nor like any form page: maybe scanned sideways or upside down; turn it upright, try again. A page
    # whose words name a form but that aligns to none of its pages was read upright: the form's instructions or
    # an annex (the W-9's five pages), which no turn makes a form page; turning it cost 10 s a page. A turn is
    # kept only where the page then aligns to the form its words name: a faxed page of instructions read upside
    # down gave words that named the 1040, aligned to none of its pages, and became a record of its own. A page
    # named by some of a form's words only (the W-9's instructions: "Form W-9", not its title) was read upright too.
    if found is None and not read_upright:
        turns = _turns_to_try(upright, page.dpi, ctx)
        # every turn read quickly; then the turn orientation detection suggests, read closer (a sideways 1040
        # whose form number the quick reading missed)
        tries = [(t, range(1)) for t in turns] + [(turns[0], range(1, IDENTIFY_LEVELS))]
        turned_pages: dict[int, tuple[np.ndarray, float, Features]] = {}
        for t, levels in tries:
            if t not in turned_pages:
                turned_pages[t] = (*deskew(turn(page.image, t)), {})
            up, sk, seen = turned_pages[t]
            again = _identify(up, page.dpi, ctx, levels, after, seen) or _continuation(up, after, ctx.templates)
            if again is not None and again[2].ok:
                found, upright, skew, turned = again, up, sk, t
                break
    if found is None:  # last resort: the whole page
        found = _identify(upright, page.dpi, ctx, range(IDENTIFY_LEVELS - 1, IDENTIFY_LEVELS), after, features)
        found = None if _partly_named(found) else found
    if found is None and look is not None:
        # No word names a form, but the page aligns to a template page and shows most of its print: a faxed
        # CERFA 14411, whose thin grey print breaks into specks (0.64 of it found, its title unreadable).
        found = look.fallback(after)
    if found is None:
        return PageResult(page.number, "unidentified", skew=skew)
    schema, tpage, alignment = found
    if alignment.ok and (share := agreement(upright, alignment, ctx.templates.get(schema, tpage))) < PAGE_AGREEMENT:
        alignment = replace(alignment, ok=False, reason=f"{share:.0%} of the form's print found where it belongs")
    if not alignment.ok:  # named, but like none of its pages: nothing is read in place (see group_instances)
        unread = {f.name: Reading("", 0.0, "the page could not be aligned to the form: read it on the scan")
                  for f in schema.fields_on(tpage)}
        return PageResult(page.number, "form", schema, tpage, alignment, skew, unread, turned)
    tpl = ctx.templates.get(schema, tpage)
    aligned = warp(upright, alignment, tpl)
    readings = read_raster_fields(aligned, tpl, schema, tpage, reader=ctx.ocr, scan_dpi=page.dpi)
    located = [f for f in schema.fields_on(tpage) if f.located]
    if located:
        try:
            words = ocr_words(aligned, tpl.px_per_unit, lang=schema.spec.language, reader=ctx.ocr)
        except ToolFailure as exc:
            raise exc.at("reading the words of the page to locate fields") from exc
        readings.update(locate_fields(words, located, schema.template.page_sizes[tpage - 1]))
    readings = _refined(schema, tpage, readings, ctx)
    return PageResult(page.number, "form", schema, tpage, alignment, skew, readings, turned)


def _refined(schema: LoadedSchema, tpage: int, readings: dict[str, Reading], ctx: Context) -> dict[str, Reading]:
    specs = {f.name: f for f in schema.fields_on(tpage)}
    return {name: refine(specs[name], r, ctx.entities) if name in specs else r for name, r in readings.items()}


def _best_registration(upright: np.ndarray, candidates: list[Candidate], templates: TemplateCache,
                       after: PageResult | None = None, features: Features | None = None
                       ) -> tuple[LoadedSchema, int, Alignment]:
    """Among the top-scoring schemas and their pages, the one the page aligns to best. When several align
    (look-alike versions of one form), the one whose printed boxes and labels are found on the page."""
    top = candidates[0].score
    pages = [(c.schema, p) for c in candidates if c.score >= top - 0.05 for p in range(1, c.schema.pages + 1)]
    tried = _aligned(upright, pages, templates, NAMED_FEATURES, features)
    if sum(t[2].ok for t in tried) > 1:
        return _most_agreeing(_agreements(upright, tried, templates), after)
    return max(tried, key=lambda t: (t[2].ok, t[2].inliers))


def _read_text_page(page: load.TextPage, ctx: Context, after: PageResult | None = None) -> PageResult:
    candidates = rank(" ".join(w.text for w in page.words if not w.filled), ctx.schemas)
    if not candidates and not _may_continue(after):  # nothing to align it to: spare the rendering
        return PageResult(page.number, "unidentified")
    raster = page.render(WORK_DPI)
    found = _best_registration(raster, candidates, ctx.templates, after) if candidates else None
    if found is None or not found[2].ok:  # not named, or named but not one of its pages (instructions...)
        found = _continuation(raster, after, ctx.templates)
    if found is None:
        return PageResult(page.number, "unidentified")
    schema, tpage, alignment = found
    tpl = ctx.templates.get(schema, tpage)
    tw, th = schema.template.page_sizes[tpage - 1]
    if abs(tw - page.width) < 1 and abs(th - page.height) < 1 and schema.template.kind == "pdf":
        identity = tuple(map(tuple, np.eye(3).tolist()))
        alignment = Alignment(True, "pdf-geometry", 0, 0.0, identity)
    sx, sy = tw / page.width, th / page.height
    readings = read_text_fields(page.words, (sx, sy), schema, tpage)
    located = [f for f in schema.fields_on(tpage) if f.located]
    if located:
        words = [PageWord(w.text, w.x0 * sx, w.top * sy, w.x1 * sx, w.bottom * sy, 1.0) for w in page.words]
        readings.update(locate_fields(words, located, (tw, th)))
    aligned = None
    for spec in schema.fields_on(tpage):
        if spec.type not in ("checkbox", "radio"):
            continue
        if spec.pdf_field is not None and spec.pdf_field in page.buttons:  # ticked in the PDF's own fields
            readings[spec.name] = Reading("|".join(page.buttons[spec.pdf_field]) if spec.type == "radio"
                                          else ("X" if page.buttons[spec.pdf_field] else ""), 1.0)
            continue
        aligned = warp(raster, alignment, tpl) if aligned is None else aligned
        readings[spec.name] = read_checkbox(aligned, tpl, spec)
    return PageResult(page.number, "form", schema, tpage, alignment, 0.0, _refined(schema, tpage, readings, ctx))


# ------------------------------------------------------------------------------------- pages into forms


def group_instances(results: list[PageResult]) -> list[Instance]:
    """Consecutive pages of one schema, in template page order, make one form instance. Pages that match no
    schema (instructions, cover letters, blank backs) stay in the source but are not part of any record; so do
    pages named like a form that align to none of its pages, when another page of the document is that form."""
    instances: list[Instance] = []
    current: Instance | None = None
    aligned = {r.schema.key for r in results if r.kind == "form" and r.schema is not None and r.alignment is not None
               and r.alignment.ok}
    for r in results:
        if r.kind != "form" or r.schema is None or r.alignment is None:
            continue
        starts = not (current and current.schema.key == r.schema.key
                      and r.template_page > current.pages[-1].template_page)
        if starts and not r.alignment.ok and r.schema.key in aligned:
            # Named like the form (its header) but laid out like none of its pages, beside a page that is the
            # form: the form's instructions or an annex (the W-9's five pages of instructions). A page of no form.
            continue
        if starts:
            current = Instance(r.schema)
            instances.append(current)
        a = r.alignment
        current.pages.append(PageInfo(r.number, r.template_page, {
            "method": a.method, "ok": a.ok, "inliers": a.inliers,
            "residual_px": None if a.residual_px != a.residual_px else a.residual_px, "skew_deg": r.skew,
            "turned_deg": r.turned, "matrix": [[float(v) for v in row] for row in a.matrix]}))
        current.readings.update(r.readings)
        if not a.ok:
            current.errors.append(f"page {r.number} could not be aligned to the template: {a.reason}")
    for inst in instances:
        have = {p.template_page for p in inst.pages}
        missing = [p for p in range(1, inst.schema.pages + 1) if p not in have]
        if missing:
            inst.errors.append(f"form has {inst.schema.pages} pages; missing: {', '.join(map(str, missing))}")
    return instances
