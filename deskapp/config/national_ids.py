"""National IDs by country and kind, from python-stdnum (`stdnum.<country>.<kind>`, e.g. stdnum.pt.nif).

config.yaml names them (customers.national_id.country and .kind); validation and formatting come from
the stdnum module, so its rules (lengths, check digits, dates and regions inside the number) are the
country's own, not a generic digit check.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from types import ModuleType

_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


@functools.lru_cache(maxsize=64)
def module(country: str, kind: str) -> ModuleType | None:
    """The stdnum module validating `kind` in `country` ('pt', 'nif'), or None if stdnum has none."""
    if not (_NAME.fullmatch(country) and _NAME.fullmatch(kind)) or kind.startswith("_"):
        return None
    try:
        found = importlib.import_module(f"stdnum.{country}.{kind}")
    except ImportError:
        return None
    return found if callable(getattr(found, "validate", None)) else None


@functools.lru_cache(maxsize=1)
def countries() -> tuple[str, ...]:
    """The country packages of stdnum with at least one number in them ('at', 'be', ... 'za')."""
    import stdnum

    return tuple(sorted(m.name for m in pkgutil.iter_modules(stdnum.__path__) if m.ispkg and len(m.name) == 2))


@functools.lru_cache(maxsize=128)
def kinds(country: str) -> tuple[str, ...]:
    """The kinds of number stdnum knows for a country ('cc', 'nif' for 'pt'); () for an unknown country."""
    if country not in countries():
        return ()
    package = importlib.import_module(f"stdnum.{country}")
    return tuple(sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")))


def title(country: str, kind: str) -> str:
    """The first line of the module's description: 'NIF (Número de identificação fiscal, ...)'."""
    found = module(country, kind)
    doc = (found.__doc__ or "").strip().splitlines() if found else []
    return doc[0].rstrip(".") if doc else f"{country} {kind}"
