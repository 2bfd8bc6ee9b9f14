"""Forensic triage of a victim's Windows PC after a tech support scam (built on dissect.target).

collectors (one per artifact family, :mod:`scamscope.triage.collectors`) -> :class:`Collected`
records (timeline events, sessions, software, browser visits, problems) -> findings and story
(:mod:`scamscope.triage.findings`) -> reports (:mod:`scamscope.triage.report`).
"""
