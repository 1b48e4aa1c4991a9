"""Statistics and reports: what the supervisor and the area manager read.

Modules: live_sums (what each count counts, defined once in SQL, and the sums of live days), figures
(the dataclasses of the figures, p90 and the wait distribution's bins), period_sums (any period's
figures, today's as a year's), day_summaries (closed days summarised once), reports (CSV/XLSX),
dashboard (the supervisor's live view), staffing (Erlang C advice), steps (workflow step timings),
integrity (the invariants `queue check` verifies, summaries included).

May import: every domain package below it (security, customers, queue, relationship, feedback,
workflows), the kernel, db and config.
"""
