"""Customers: one record per person, with phones, products, needs, interactions, life events and the
follow-ups owed to them; the rules a record obeys, ranked search (deskapp.db.search), the 360 profile,
import and export, editing, masking of national IDs.

Modules: directory (find, search, reception's identify, the 360 profile, the role checks), alerts (what
needs attention: the 360's, the brief's and the portfolio's alike), rules (validation), records (needs,
interactions, products, life events; what a served ticket records), edit, io and bulk (CSV import/export),
masking, followups.

May import: deskapp.core's kernel, security, db and config.
"""
