"""The domain: every rule of the branch's business, as plain functions that return dataclasses.

A package per part of the business, each saying in its __init__ what it owns and what it may import;
import-linter (pyproject.toml) keeps those arrows true. From the bottom up:

- kernel modules here: clock (time, branch-local days), context (the Context every call takes),
  changes (the change marker screens poll), metrics (every figure's definition, once), startup
  (connect, migrate, sync the branch from config);
- security: staff, PINs, roles, the audit;
- customers: records, rules, search, import/export, editing, masking, follow-ups owed to a customer;
- queue: tickets, the branch day, counters, the calling order, waits, Erlang C;
- relationship: a manager's portfolio, pipeline and offers;
- feedback: asking, recording, closing the loop, reporting;
- workflows: the guided steps of each service;
- stats: statistics and reports: period sums, day summaries, the dashboard, staffing, integrity;
- demo: builders of a realistic demo branch.

New capabilities get packages of their own (appointments, notifications, network) at the level of
what they use. Nothing here imports textual or click.
"""
