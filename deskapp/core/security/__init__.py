"""Security: staff, PINs (scrypt, lockout), sessions, the role table of every core action (permissions),
the append-only audit and its browsing.

May import: deskapp.core's kernel, db and config. Nothing else in core: every other package may use it.
"""
