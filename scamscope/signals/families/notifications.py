"""Notification and push permission requests: alerts that outlive the tab (``lockin.notification_request``)."""

from __future__ import annotations

from scamscope.signals.families.base import Family, strengths
from scamscope.signals.families.code import Ctx, Hit
from scamscope.signals.families.events import Obs, Stats, as_str, called_when, event_details, event_total

# strengths by name, from lockin.toml ([[family]] static.* / live.*)
_S = strengths("lockin.notification_request", "static")
_L = strengths("lockin.notification_request", "live")


# --- static: the page's code ---


def _notifications(ctx: Ctx) -> list[Hit]:
    return [
        Hit(_S["push_subscription"] if "subscribe" in m.group(0) else _S["permission"], m.start(), m.end(),
            "subscribes to push messages" if "subscribe" in m.group(0) else "asks for notification permission")
        for m in ctx.live("notify.request", limit=5)
    ]  # fmt: skip


# --- live: what the page was seen doing ---


def _live_notification_request(stats: Stats) -> list[Obs]:
    out: list[Obs] = []
    for d in event_details(stats, "notification_request"):
        unasked = not d.get("gesture") and not as_str(d.get("event"))
        out.append(
            Obs(_L["permission_unprompted"] if unasked else _L["permission"],
                 "page asked for notification permission" + (" on its own, without a click" if unasked else f" {called_when(d)}"),
                 "Notification.requestPermission()")
        )  # fmt: skip
    if event_total(stats, "push_subscribe"):
        out.append(Obs(_L["push_subscription"], "page subscribed to push messages", "pushManager.subscribe()"))
    return out


FAMILIES: tuple[Family, ...] = (
    Family("lockin.notification_request", static=_notifications, live=_live_notification_request),
)
