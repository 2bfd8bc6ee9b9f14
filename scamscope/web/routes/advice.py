"""The advice wizard: the questions of :mod:`scamscope.advice`, one per page, in Japanese or English.

Open to everyone (victims use it too; the answers hold no personal data, so they travel in the
query string and every page of the wizard can be bookmarked or printed). Logged-in staff can
attach the result to a case.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.datastructures import FormData, ImmutableMultiDict
from starlette.responses import RedirectResponse, Response

from scamscope.advice import QUESTIONS, Answers, advise
from scamscope.web import audit
from scamscope.web.db import utcnow
from scamscope.web.deps import DB, CsrfForm, MaybeLogin, Staff, get_row
from scamscope.web.errors import UserError
from scamscope.web.i18n import current_lang
from scamscope.web.i18n import gettext as _
from scamscope.web.labels import wizard_text
from scamscope.web.models import Case, CaseAdvice
from scamscope.web.render import render

router = APIRouter()
LANGS = ("ja", "en")
YES_NO = {"yes": True, "no": False, "unknown": None}

RawAnswers = dict[str, Any]  # question id -> "yes"/"no"/"unknown", a choice, or a list of choices


def _lang(value: str) -> str:
    value = value or current_lang()
    if value not in LANGS:
        raise UserError(_("Language: choose ja (日本語) or en (English)."))
    return value


def raw_answers(params: ImmutableMultiDict[str, Any] | FormData, upto: int | None = None) -> RawAnswers:
    """The answers given so far, validated against the questions' choices (UserError when not)."""
    out: RawAnswers = {}
    for q in QUESTIONS[: len(QUESTIONS) if upto is None else upto]:
        allowed = {value for value, _label in q.choices}
        if q.kind == "multi":
            values = [str(v) for v in params.getlist(q.id) if v not in ("", "none")]
            bad = [v for v in values if v not in allowed]
            if bad:
                raise UserError(_("Answer to %(question)r: unknown choice %(value)r.") % {"question": q.id, "value": bad[0][:40]})
            out[q.id] = sorted(set(values), key=values.index)
        else:
            value = params.get(q.id)
            if value is None or value == "":
                continue
            value = str(value)
            if (q.kind == "yes_no" and value not in YES_NO) or (q.kind == "choice" and value not in allowed | {"unknown"}):
                raise UserError(_("Answer to %(question)r: %(value)r is not one of the choices.") % {"question": q.id, "value": value[:40]})
            out[q.id] = value
    return out


def to_answers(raw: RawAnswers) -> Any:
    data: dict[str, Any] = {}
    for q in QUESTIONS:
        if q.id not in raw:
            continue
        value = raw[q.id]
        if q.kind == "yes_no":
            if YES_NO[value] is not None:
                data[q.id] = YES_NO[value]
        elif q.kind == "choice":
            if value != "unknown":
                data[q.id] = value
        else:
            data[q.id] = list(value)
    try:
        return Answers.from_mapping(data)
    except ValueError as exc:
        raise UserError(_("These answers cannot be used: %(why)s") % {"why": exc}) from None


def answer_rows(raw: RawAnswers, lang: str) -> list[tuple[str, str]]:
    """(question, answer) in the wizard's language, for the result page and the printout."""
    rows = []
    for q in QUESTIONS:
        if q.id not in raw:
            continue
        labels = {value: label.get(lang, value) for value, label in q.choices}
        value = raw[q.id]
        if q.kind == "multi":
            shown = ", ".join(labels.get(v, v) for v in value) or wizard_text("none", lang)
        elif q.kind == "yes_no":
            shown = wizard_text(value if value in YES_NO else "unknown", lang)
        else:
            shown = labels.get(value, wizard_text("unknown", lang))
        rows.append((q.text.get(lang, q.id), shown))
    return rows


def _query(lang: str, raw: RawAnswers, case: str, **extra: Any) -> str:
    items: list[tuple[str, Any]] = [("lang", lang)]
    for key, value in raw.items():
        items += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    if case:
        items.append(("case", case))
    items += list(extra.items())
    return urlencode(items, doseq=True)


def _case_param(value: str) -> str:
    return value if value.isdigit() and len(value) < 12 else ""


@router.get("/advice")
def advice_start(request: Request, login: MaybeLogin, lang: str = "", case: str = "") -> Response:
    return render(request, "advice_start.html", {"lang": _lang(lang), "case_id": _case_param(case), "questions": QUESTIONS})


@router.get("/advice/q")
def advice_question(request: Request, login: MaybeLogin, lang: str = "", step: int = 0, case: str = "") -> Response:
    lang = _lang(lang)
    if not 0 <= step < len(QUESTIONS):
        raise UserError(_("Question number: from 0 to %(last)s.") % {"last": len(QUESTIONS) - 1})
    raw = raw_answers(request.query_params, upto=step)
    question = QUESTIONS[step]
    case = _case_param(case)
    hidden: list[tuple[str, str]] = []
    for key, value in raw.items():
        hidden += [(key, v) for v in value] if isinstance(value, list) else [(key, value)]
    current = raw_answers(request.query_params, upto=step + 1).get(question.id)
    return render(
        request,
        "advice_question.html",
        {
            "lang": lang,
            "step": step,
            "total": len(QUESTIONS),
            "q": question,
            "hidden": hidden,
            "case_id": case,
            "current": current,
            "last": step == len(QUESTIONS) - 1,
            "back": f"/advice/q?{_query(lang, raw, case, step=step - 1)}" if step > 0 else f"/advice?{_query(lang, {}, case)}",
        },
    )


@router.get("/advice/result")
def advice_result(request: Request, login: MaybeLogin, db: DB, lang: str = "", case: str = "") -> Response:
    lang = _lang(lang)
    raw = raw_answers(request.query_params)
    advice = advise(to_answers(raw), lang=lang).to_dict()
    open_cases: list[Case] = []
    if login is not None:
        open_cases = list(db.scalars(select(Case).where(Case.status == "open").order_by(Case.id.desc()).limit(200)).all())
    return render(
        request,
        "advice_result.html",
        {
            "lang": lang,
            "advice": advice,
            "rows": answer_rows(raw, lang),
            "record": None,
            "query": _query(lang, raw, ""),
            "hidden": [(k, v) for k, vs in raw.items() for v in (vs if isinstance(vs, list) else [vs])],
            "open_cases": open_cases,
            "case_id": _case_param(case),
            "other_lang": f"/advice/result?{_query('en' if lang == 'ja' else 'ja', raw, _case_param(case))}",
        },
    )


@router.post("/advice/attach")
def advice_attach(form: CsrfForm, login: Staff, db: DB) -> Response:
    lang = _lang(str(form.get("lang") or ""))
    try:
        case_id = int(str(form.get("case_id") or ""))
    except ValueError:
        raise UserError(_("Choose the case to attach the advice to.")) from None
    case = get_row(db, Case, case_id)  # None also for ids out of range
    if case is None:
        raise UserError(_("There is no case #%(id)s.") % {"id": case_id}, 404)
    raw = raw_answers(form)
    advice = advise(to_answers(raw), lang=lang).to_dict()
    record = CaseAdvice(case_id=case.id, created_at=utcnow(), lang=lang, answers=raw, advice=advice)
    db.add(record)
    case.updated_at, case.updated_by = utcnow(), login.user_id
    db.flush()
    audit.record(db, login, "update", "case", case.id, f"advice #{record.id} attached")
    db.commit()
    return RedirectResponse(f"/cases/{case.id}", status_code=303)
