"""Egress control on mitmproxy: the guard addon (:mod:`.guard`), an in-process runner (:mod:`.runner`)
and a recorder of exchanges for evidence (:mod:`.recorder`).

Live capture runs Chromium through it; the same addon can serve an in-path protection proxy.
"""

from scamscope.proxy.guard import REFUSED_HEADER, EgressGuard, request_kind
from scamscope.proxy.recorder import Recorder
from scamscope.proxy.runner import ProxyRunner, ProxyStartError

__all__ = ["REFUSED_HEADER", "EgressGuard", "ProxyRunner", "ProxyStartError", "Recorder", "request_kind"]
