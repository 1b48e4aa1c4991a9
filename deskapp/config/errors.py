"""Configuration problems, each located in its file."""
from __future__ import annotations

from dataclasses import dataclass

from deskapp.errors import BadInput
from deskapp.i18n import N_


@dataclass(frozen=True, order=True)
class ConfigError:
    """One problem in a configuration file; lines and columns count from 1."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class ConfigInvalid(BadInput):
    """Raised when a configuration cannot be used; carries every problem found."""

    title = N_("Cannot continue")
    severity = "error"

    def __init__(self, errors: list[ConfigError]):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class UnknownBranch(BadInput):
    """`--branch` (or DESKAPP_BRANCH) names no branch of the configuration."""

    title = N_("Unknown branch")
    severity = "error"
