"""Labels shown on the desk's pages (staff pages: English with Japanese; the advice wizard: one language)."""

from __future__ import annotations

CHANNEL_LABELS = {"phone": "Phone 電話", "visit": "Visit 来訪", "email": "E-mail メール", "web": "Web form ウェブ"}
CATEGORY_LABELS = {
    "fake_warning": "Saw a fake warning 偽警告を見た",
    "called": "Called the number 電話をかけた",
    "remote_access": "Remote access 遠隔操作された",
    "paid": "Paid 支払った",
}
CATEGORY_SHORT = {"fake_warning": "fake warning", "called": "called", "remote_access": "remote access", "paid": "paid"}
CATEGORY_COLOURS = {"fake_warning": "#f2b134", "called": "#ed7d31", "remote_access": "#c0392b", "paid": "#6c3483"}
STATUS_LABELS = {"open": "Open 対応中", "closed": "Closed 完了"}
VERDICT_LABELS = {"scam": "scam 詐欺", "suspicious": "suspicious 要注意", "benign": "benign 問題なし"}
SCAN_KIND_LABELS = {"url": "URL", "html": "page file", "screenshot": "screenshot"}
SCAN_STATUS_LABELS = {"queued": "waiting 待機中", "running": "scanning 解析中", "done": "done 完了", "error": "failed 失敗"}
INDICATOR_KIND_LABELS = {"phone": "phone number 電話番号", "domain": "domain ドメイン"}

# the advice wizard speaks the victim's language
WIZARD_TEXT: dict[str, dict[str, str]] = {
    "title": {"ja": "サポート詐欺の対処ガイド", "en": "What to do after a fake security warning"},
    "intro": {
        "ja": "いくつかの質問に答えると、今やるべきことを順番にお知らせします。わからない質問は「わからない」を選んでください。",
        "en": "Answer a few questions and you get the steps to take now, in order. Choose \"not sure\" when you do not know.",
    },
    "start": {"ja": "はじめる", "en": "Start"},
    "next": {"ja": "次へ", "en": "Next"},
    "back": {"ja": "戻る", "en": "Back"},
    "show": {"ja": "結果を見る", "en": "Show the steps"},
    "yes": {"ja": "はい", "en": "Yes"},
    "no": {"ja": "いいえ", "en": "No"},
    "unknown": {"ja": "わからない", "en": "Not sure"},
    "none": {"ja": "どれもない", "en": "None of these"},
    "question": {"ja": "質問", "en": "Question"},
    "of": {"ja": "/", "en": "of"},
    "result": {"ja": "やるべきこと（順番に）", "en": "What to do, in this order"},
    "why": {"ja": "理由", "en": "Why"},
    "sources": {"ja": "出典", "en": "Sources"},
    "contacts": {"ja": "相談・連絡先", "en": "Where to call"},
    "print": {"ja": "印刷する", "en": "Print"},
    "answers": {"ja": "回答", "en": "Your answers"},
    "again": {"ja": "最初からやり直す", "en": "Start again"},
    "no_steps": {"ja": "特に必要な対処はありません。", "en": "No steps are needed."},
    "language": {"ja": "English", "en": "日本語"},
}


def wizard_text(key: str, lang: str) -> str:
    return WIZARD_TEXT[key].get(lang) or WIZARD_TEXT[key]["en"]
