"""Egress control on mitmproxy: the guard addon (:mod:`.guard`) and an in-process runner (:mod:`.runner`).

Live capture runs Chromium through it; the same addon can serve an in-path protection proxy.
"""

from scamscope.proxy.guard import REFUSED_HEADER, EgressGuard, request_kind
from scamscope.proxy.runner import ProxyRunner, ProxyStartError

__all__ = ["REFUSED_HEADER", "EgressGuard", "ProxyRunner", "ProxyStartError", "request_kind"]
