"""The relationship manager's work: the portfolio, the pipeline of needs, next-best offers.

May import: deskapp.core's kernel, security, customers, db and config.
"""
