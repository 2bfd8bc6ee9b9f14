"""``scamscope guard``: an in-path forward proxy that stops fake warnings before they lock the screen.

HTML responses are scored statically as they pass (:mod:`.addon`): a scam page is replaced by a
block page (:mod:`.blockpage`), an uncertain one gets a watcher script (:mod:`.watch`) that defuses
lock-in in the browser, and known-bad addresses (:mod:`.blocklist`) are refused before a byte is
fetched. Every decision goes to a JSON Lines log (:mod:`.decisions`).
"""
