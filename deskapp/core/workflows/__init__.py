"""Service workflows: the YAML-defined steps a teller is guided through, one committed step at a time.

Modules: guide (start, commit, back, abandon, complete: the public entry points), state (a run's state
from its StepRecords), runner (the step types: what each one validates and does).

May import: deskapp.core's kernel, security, customers, queue, relationship, db and config.
"""
