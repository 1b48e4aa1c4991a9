"""Demo builders: a realistic branch with customers, history, workflows, feedback and a portfolio.

May import anything in core (it sits on top), db and config.
"""
