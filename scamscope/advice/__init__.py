"""Advice for a person facing a tech support scam: questions, answers, an ordered checklist with reasons.

``from scamscope.advice import QUESTIONS, Answers, advise``; the content (Japanese and English, each
step with its sources) lives in ``scamscope/data/advice.toml``.
"""

from __future__ import annotations

from scamscope.advice.engine import QUESTIONS, advise
from scamscope.advice.model import Advice, Answers, Question, Step

__all__ = ["QUESTIONS", "Advice", "Answers", "Question", "Step", "advise"]
