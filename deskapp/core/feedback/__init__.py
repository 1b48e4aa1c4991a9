"""Feedback: asking after service, recording CSAT, NPS, effort and comments, closing the loop, reporting.

One Feedback row per ticket at most (a UNIQUE index): the customer's answer, staff typing in what a
customer said, or "no answer" when the question timed out or staff ended it. An answer may replace
a "no answer" (the customer spoke up after all); nothing replaces an answer, and a second answer
is refused with AlreadyAnswered, also when two desks submit at the same moment.

Modules: records (the stored answer as screens see it), recording (asking and recording; the triggers
of `rules` open one follow-up in the same transaction), reporting (responses and summaries), rules
(which answers open a follow-up), tags (comment tags).

May import: deskapp.core's kernel (clock, context, changes, metrics), security, customers (follow-ups),
queue, db and config. The public functions are re-exported here: callers write `feedback.submit(...)`.
"""
from __future__ import annotations

from deskapp.core.feedback.recording import (
    note_no_answer,
    pending_for_counter,
    record_answer,
    record_no_answer,
    submit,
    ticket_for_entry,
)
from deskapp.core.feedback.records import (
    BANDS,
    CUSTOMER,
    ENTERED_BY,
    MAX_COMMENT,
    STAFF,
    AlreadyAnswered,
    FeedbackError,
    FeedbackInfo,
    PendingTicket,
    get,
)
from deskapp.core.feedback.reporting import (
    FeedbackCounts,
    FeedbackFilter,
    FeedbackSummary,
    customer_groups,
    customer_summaries_by_service,
    followups_for,
    responses,
    summary,
    summary_by_entry,
)

__all__ = [
    "AlreadyAnswered",  # i18n: not words
    "BANDS",  # i18n: not words
    "CUSTOMER",  # i18n: not words
    "ENTERED_BY",  # i18n: not words
    "FeedbackCounts",  # i18n: not words
    "FeedbackError",  # i18n: not words
    "FeedbackFilter",  # i18n: not words
    "FeedbackInfo",  # i18n: not words
    "FeedbackSummary",  # i18n: not words
    "MAX_COMMENT",  # i18n: not words
    "PendingTicket",  # i18n: not words
    "STAFF",  # i18n: not words
    "customer_groups",
    "customer_summaries_by_service",
    "followups_for",
    "get",
    "note_no_answer",
    "pending_for_counter",
    "record_answer",
    "record_no_answer",
    "responses",
    "submit",
    "summary",
    "summary_by_entry",
    "ticket_for_entry",
]
