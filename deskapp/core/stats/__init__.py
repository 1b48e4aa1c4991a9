"""Statistics and reports: what the supervisor and the area manager read.

Modules: figures (per-ticket figures of a period, the definitions' Python side), period_sums (the same
sums computed in the database), day_summaries (closed days summarised once), reports (CSV/XLSX),
dashboard (the supervisor's live view), staffing (Erlang C advice), steps (workflow step timings),
integrity (the invariants `queue check` verifies, summaries included).

May import: every domain package below it (security, customers, queue, relationship, feedback,
workflows), the kernel, db and config.
"""
