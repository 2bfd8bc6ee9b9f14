"""Observed behaviour of a live page (instrumentation events) as evidence.

Observations use the same signal names as the static lock-in signal (``lockin.keyboard_lock``
seen in the code, or seen happening), so the trained scorer weighs them alike; an observation is
the stronger of the two and the scorer keeps the highest strength per signal.
"""

from __future__ import annotations

from scamscope.types import Observations, Page

NAME = "behaviour"


def run(page: Page) -> Observations:
    obs = Observations()
    if not page.behaviour:
        return obs
    from scamscope.live.behaviour import BehaviourLog

    log = BehaviourLog()
    log.extend(page.behaviour)
    obs.evidence.extend(log.to_evidence())
    return obs
