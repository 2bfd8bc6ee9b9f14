"""Forms: what a page asks the visitor to type in.

Fake-warning funnels collect card details for a "licence" (IPA: クレジットカード決済の画面,
氏名・電話番号・メールアドレスの入力), take a name and phone number for a call-back, or put up a
fake Windows / Microsoft-account / "Administrator Login" lock screen to capture a password.

Evidence:

- ``form.card``: card number / CVV / expiry / card-holder fields (autocomplete ``cc-*``,
  カード番号, セキュリティコード, 有効期限 ...); strength grows with the kinds present;
- ``form.personal``: name / phone / e-mail / address / birth-date fields; strength grows with
  the kinds present and is halved when the form also has a free-text message box (an ordinary
  contact form, rather than a call-back / lead-capture form);
- ``form.credentials``: a password / PIN field (also a text field labelled "Password", as kits
  do), stronger next to admin / Windows / Microsoft-account login wording.

Fields come from ``page.forms`` and, for inputs outside forms and for JS/JSX kits, from
``<input>/<textarea>/<select>`` markup anywhere in the source (including markup inside script
strings). Input types that carry no data (hidden, submit, checkbox, search ...) are ignored.
"""

from __future__ import annotations

import html as htmllib
import re

from scamscope.signals.scare_text import normalise
from scamscope.types import Evidence, Observations, Page

NAME = "forms"

MAX_HTML = 500_000  # characters of source searched for input markup
MAX_FIELDS = 200

_TAG = re.compile(r"<(input|textarea|select)\b((?:[^<>\"']|\"[^\"]*\"|'[^']*'|=>){0,1200})", re.I)
# a name starts where a run of name characters starts (not again inside it: linear in the tag)
_ATTR = re.compile(r"""(?<![\w:.-])([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\}|([^\s"'>{}]+))""")
_KEEP_ATTRS = (
    "type",
    "name",
    "id",
    "placeholder",
    "autocomplete",
    "aria-label",
    "classname",
    "class",
    "data-vv-as",
    "title",
)
_SKIP_TYPES = frozenset(
    {
        "hidden",
        "submit",
        "button",
        "reset",
        "image",
        "checkbox",
        "radio",
        "range",
        "color",
        "file",
        "search",
        "date-time-local",
    }
)

# field kinds, tested in order on a normalised descriptor ("type name id placeholder ...");
# the first kind that matches wins, so "username" is a login field, not a personal name
_KINDS: list[tuple[str, str, re.Pattern[str]]] = [
    (
        "credentials",
        "password",
        re.compile(
            r"password|passwort|passwd|(?<![a-z])pwd|mot de passe|contraseña|senha|hasło|haslo|parola d'ordine"
            r"|パスワ|暗証番号|(?<![a-z])pin(?:code)?(?![a-z])|passcode|kennwort"
        ),
    ),
    (
        "credentials",
        "username",
        re.compile(
            r"user ?name|user ?id|login|(?<![a-z])account|nutzername|benutzername|identifiant|utilisateur"
            r"|usuario|usuário|utente|użytkownik|uzytkownik|ユザ|アカウント"
        ),
    ),
    (
        "card",
        "card number",
        re.compile(
            r"cc ?(?:number|num)|card ?(?:number|no|num)|cardnumber|credit ?card|カド番号|クレジットカド|numéro de carte|kartennummer|número de tarjeta|numero di carta|numer karty|número do cartão"
        ),
    ),
    (
        "card",
        "security code",
        re.compile(
            r"cc ?csc|(?<![a-z])(?:cvv2?|cvc2?|csc)(?![a-z])|card ?(?:security|verification)|security ?code|セキュリティコド|cryptogramme|prüfnummer|código de seguridad"
        ),
    ),
    (
        "card",
        "expiry",
        re.compile(
            r"cc ?exp|expir|exp ?date|mm ?/ ?yy|有効期限|date d'expiration|ablaufdatum|fecha de (?:caducidad|vencimiento)|scadenza|data ważności|validade"
        ),
    ),
    ("card", "card holder", re.compile(r"cc ?name|card ?holder|cardholder|name on card|名義")),
    ("personal", "e-mail", re.compile(r"e ?mail|メル|メールアドレス|courriel|correo|poczta")),
    (
        "personal",
        "phone",
        re.compile(r"(?<![a-z])tel(?![a-z])|phone|mobile|電話|携帯|téléphone|telefon|teléfono|telefono|telefone"),
    ),
    # (a bare "address" is as often a URL bar or an e-mail address as a postal address)
    (
        "personal",
        "address",
        re.compile(
            r"street|address line|billing|shipping|(?<![a-z])zip|postal|postcode|住所|郵便番号|adresse postale|straße|dirección|indirizzo|endereço"
        ),
    ),
    (
        "personal",
        "birth date",
        re.compile(r"birth|(?<![a-z])dob(?![a-z])|生年月日|geburtsdatum|naissance|nacimiento|nascita"),
    ),
    (
        "personal",
        "name",
        re.compile(r"name|氏名|名前|お名前|nom(?![a-z])|nombre|nome|imię|imie|vorname|nachname|フリガナ"),
    ),
]
_MESSAGE = re.compile(
    r"message|comment|inquiry|enquiry|details|question|お問い合わせ内容|ご用件|本文|内容|nachricht|mensaje|messaggio|wiadomość"
)
_ADMIN_LOGIN = re.compile(
    r"admin(?:istrator)? login|administrator|admin login|管理者ログイン|管理者|connexion administrateur|administrateur"
    r"|windows (?:login|log in|sign in)|microsoft (?:account|アカウント)|sign in with your microsoft|windowsにサインイン"
    r"|ロック画面|一時的なユザ|locked due to unusual activity|re ?login|reconnecter"
)


def _attrs(tag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR.finditer(tag):
        key = m.group(1).lower()
        if key in _KEEP_ATTRS and key not in out:
            out[key] = htmllib.unescape(next((g for g in m.groups()[1:] if g is not None), ""))
    return out


def fields(page: Page) -> list[tuple[str, str]]:
    """(element, descriptor) of the data-entry fields of a page: element is input/textarea/select,
    descriptor joins type, name, id, placeholder, autocomplete, aria-label and class."""
    out: list[tuple[str, str]] = []
    for form in page.forms:
        for desc in form.get("inputs", []):
            first = desc.split(" ", 1)[0].lower() if desc else ""
            if first in _SKIP_TYPES:
                continue
            out.append(("input", desc))
    source = page.html[:MAX_HTML]
    if "\\" in source:
        source = source.replace('\\"', '"').replace("\\'", "'")
    for m in _TAG.finditer(source):
        if len(out) >= MAX_FIELDS:
            break
        element = m.group(1).lower()
        a = _attrs(m.group(2))
        kind = a.get("type", "").lower()
        if kind in _SKIP_TYPES:
            continue
        desc = " ".join(a.get(k, "") for k in _KEEP_ATTRS if a.get(k)).strip()
        out.append((element, desc))
    return out


def classify(descriptor: str) -> tuple[str, str] | None:
    """(group, kind) of one field descriptor, e.g. ("card", "security code"); None if unknown."""
    d = normalise(descriptor)
    if not d:
        return None
    if re.search(r"(?<![a-z])type=?password|^password(?![a-z])", d):
        return ("credentials", "password")
    for group, kind, rx in _KINDS:
        if rx.search(d):
            return (group, kind)
    return None


def run(page: Page) -> Observations:
    obs = Observations()
    found: dict[str, dict[str, str]] = {"card": {}, "personal": {}, "credentials": {}}
    message_box = False
    for element, desc in fields(page):
        if element == "textarea" or (element == "input" and _MESSAGE.search(normalise(desc))):
            message_box = True
            if element == "textarea":
                continue
        hit = classify(desc)
        if hit is None:
            continue
        group, kind = hit
        found[group].setdefault(kind, desc)
    source = "script" if page.kind == "script" else "attr"

    card = found["card"]
    if card:
        obs.evidence.append(
            Evidence(
                signal="form.card",
                detail="payment-card fields: " + ", ".join(card),
                excerpt=_excerpt(card),
                strength=round(min(1.0, len(card) / 2), 3),
                source=source,
            )
        )
    personal = found["personal"]
    if personal:
        strength = min(1.0, len(personal) / 3)
        note = ""
        if message_box:
            strength /= 2
            note = " (next to a message box: a contact form)"
        obs.evidence.append(
            Evidence(
                signal="form.personal",
                detail="personal-data fields: " + ", ".join(personal) + note,
                excerpt=_excerpt(personal),
                strength=round(strength, 3),
                source=source,
            )
        )
    creds = found["credentials"]
    if "password" in creds:
        context = " ".join([page.title, page.text[:20000], *(f.get("text", "") for f in page.forms)])
        m = _ADMIN_LOGIN.search(normalise(context))
        obs.evidence.append(
            Evidence(
                signal="form.credentials",
                detail="password field"
                + (" with a user-name field" if "username" in creds else "")
                + (f" under login wording '{m.group(0)}'" if m else ""),
                excerpt=_excerpt(creds),
                strength=1.0 if m else 0.7,
                source=source,
            )
        )
    return obs


def _excerpt(kinds: dict[str, str]) -> str:
    text = " | ".join(f"{k}: {v.strip()}" for k, v in kinds.items())
    return text if len(text) <= 120 else text[:119] + "…"
