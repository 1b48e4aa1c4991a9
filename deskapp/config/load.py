"""Loading config.yaml: safe YAML with positions, pydantic validation, then cross-references.

Every problem found is returned at once, each as `FILE:LINE:COL: message`, so a branch's IT
person fixes the whole file in one pass instead of one error per run.
"""
from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path as FsPath

import phonenumbers

from deskapp.config import national_ids
from deskapp.config.errors import ConfigError, ConfigInvalid, UnknownBranch
from deskapp.config.feedback_checks import feedback_references
from deskapp.config.notify_checks import notification_references
from deskapp.config.offers_checks import offer_references
from deskapp.config.schema import Config, region_for_prefix
from deskapp.config.suggest import suggest
from deskapp.config.texts import language_errors, network_languages
from deskapp.config.validate import validate
from deskapp.config.workflow_checks import load_workflows
from deskapp.config.yamlsafe import Document, read_yaml
from deskapp.i18n import _

DEFAULT_PATH = "config.yaml"
_CHOICE = re.compile(r"^[a-z0-9_]{1,32}$")


def config_path(explicit: str | os.PathLike | None = None) -> FsPath:
    """The file to load: the explicit path, else $DESKAPP_CONFIG, else ./config.yaml."""
    return FsPath(explicit or os.environ.get("DESKAPP_CONFIG") or DEFAULT_PATH)  # i18n: not words


def check_config(path: str | os.PathLike, *, text: str | bytes | None = None) -> tuple[Config | None, list[ConfigError]]:
    """Every problem in the configuration; the Config only when there are none."""
    config, errors = check_config_notes(path, text=text)[:2]
    return config, errors


def check_config_notes(
    path: str | os.PathLike, *, text: str | bytes | None = None
) -> tuple[Config | None, list[ConfigError], list[ConfigError]]:
    """(Config or None, problems, notes): notes are settings that still work but are deprecated,
    each located like a problem and saying what to write instead (`deskapp check-config` prints them)."""
    doc, errors = read_yaml(path, text=text)
    if doc is None or errors:
        return None, sorted(errors), []
    config, errors = validate(doc, Config)
    if config is None:
        return None, errors, []
    shape = _network_shape(doc, config)
    if shape:
        return None, shape, []
    notes = _deprecations(doc, config)
    texts = language_errors(doc, config, network_languages(config))  # config.yaml's; load_workflows: the files'
    config, errors, workflow_names = load_workflows(doc, config)
    errors = sorted(errors + _cross_references(doc, config, workflow_names) + texts)
    if errors:
        return None, errors, notes
    return config.for_branch(None), [], notes


def load_config(path: str | os.PathLike | None = None, branch: str | None = None) -> Config:
    """The validated configuration seen from one branch (`branch`, else $DESKAPP_BRANCH, else the
    default branch), or ConfigInvalid carrying every problem, or UnknownBranch. Deprecated settings
    are written to the log (WARNING), as check-config prints them."""
    config, errors, notes = check_config_notes(config_path(path))
    if errors:
        raise ConfigInvalid(errors)
    for note in notes:
        logging.getLogger("deskapp.config").warning("%s", note)
    assert config is not None
    return choose_branch(config, branch or os.environ.get("DESKAPP_BRANCH") or None)  # i18n: not words


def choose_branch(config: Config, code: str | None) -> Config:
    """The configuration seen from branch `code` (None: the default branch); UnknownBranch otherwise."""
    try:
        return config.for_branch(code)
    except LookupError:
        codes = [b.code for b in config.network()]
        raise UnknownBranch(_("unknown branch '{code}'{hint}; this configuration's branches: {codes}").format(
            code=code, hint=suggest(code or "", codes), codes=", ".join(codes))) from None


def _network_shape(doc: Document, config: Config) -> list[ConfigError]:
    """Either one branch (`branch:` and `counters:`) or a network (`branches:`), never both nor neither."""
    errors = []
    if config.branches:
        for key in ("branch", "counters"):
            if getattr(config, key):
                errors.append(doc.error((key,), _("'{key}' is written inside each branch when the file has "
                                                  "'branches:'; move it there").format(key=key), key=True))
    else:
        if config.branch is None:
            errors.append(doc.error((), _("missing required key 'branch' (or 'branches:' for a network)")))
        if not config.counters:
            where = ("counters",) if "counters" in (doc.data or {}) else ()
            errors.append(doc.error(where, _("missing required key 'counters'") if not where else _("must not be empty"),
                                    key=not where))
    return errors


def _duplicates(doc: Document, section: str, key: str, values: list[str], twice: str) -> list[ConfigError]:
    """`twice`: the message, with {value} and {line} (where it is first)."""
    seen: dict[str, int] = {}
    errors = []
    for i, value in enumerate(values):
        if value in seen:
            line = doc.where((section, seen[value], key))[0]
            errors.append(doc.error((section, i, key), twice.format(value=value, line=line)))
        else:
            seen[value] = i
    return errors


def _cross_references(doc: Document, config: Config, workflow_names: Iterable[str] = ()) -> list[ConfigError]:
    errors: list[ConfigError] = []
    workflows = sorted(set(workflow_names) | set(config.workflows))
    for i, service in enumerate(config.services):
        if service.workflow is not None and service.workflow not in workflows:
            errors.append(doc.error(("services", i, "workflow"), _(
                "service '{code}' names unknown workflow '{workflow}'{hint}").format(
                code=service.code, workflow=service.workflow, hint=suggest(service.workflow, workflows))))
    services = [s.code for s in config.services]
    errors += _duplicates(doc, "services", "code", services,
                          _("service code '{value}' is used twice (first at line {line})"))
    errors += _duplicates(doc, "services", "prefix", [s.prefix for s in config.services],
                          _("ticket prefix '{value}' is used twice (first at line {line})"))
    errors += _duplicates(doc, "staff", "login", [s.login for s in config.staff],
                          _("login '{value}' is used twice (first at line {line})"))
    errors += _duplicates(doc, "priority_classes", "code", [p.code for p in config.priority_classes],
                          _("priority class '{value}' is used twice (first at line {line})"))
    errors += _duplicates(doc, "pause_reasons", "code", [r.code for r in config.pause_reasons],
                          _("pause reason '{value}' is used twice (first at line {line})"))
    errors += _branches(doc, config, services)
    errors += _customer_lists(doc, config)
    errors += _national_id(doc, config)
    errors += _phone_region(doc, config)
    classes = [p.code for p in config.priority_classes]
    for segment, code in config.customers.segment_priority.items():
        where = ("customers", "segment_priority", segment)
        if segment not in config.customers.segments:
            errors.append(doc.error(where, _("customers.segment_priority names unknown segment '{segment}'{hint}").format(
                segment=segment, hint=suggest(segment, config.customers.segments)), key=True))
        if code not in classes:
            errors.append(doc.error(where, _("customers.segment_priority maps '{segment}' to unknown priority class "
                                             "'{code}'{hint}").format(segment=segment, code=code,
                                                                      hint=suggest(code, classes))))
    errors += feedback_references(doc, config)
    errors += offer_references(doc, config)
    for code in config.appointments.capacity:
        if code not in services:
            errors.append(doc.error(("appointments", "capacity", code), _(
                "appointments.capacity names unknown service '{code}'{hint}").format(
                code=code, hint=suggest(code, services)), key=True))
    if config.appointments.priority_class in classes:
        errors.append(doc.error(("appointments", "priority_class"), _(
            "appointments.priority_class '{code}' is also a walk-in priority class").format(
            code=config.appointments.priority_class)))
    errors += notification_references(doc, config)
    return sorted(errors)


def _branches(doc: Document, config: Config, services: list[str]) -> list[ConfigError]:
    """Each branch's counters, hours, overrides and staff; codes unique across the network."""
    errors: list[ConfigError] = []
    network = bool(config.branches)
    if network:
        errors += _duplicates(doc, "branches", "code", [b.code.upper() for b in config.branches],
                              _("branch code '{value}' is used twice (first at line {line})"))
    codes = [b.code for b in config.network()]
    if config.default_branch is not None and config.default_branch not in codes:
        errors.append(doc.error(("default_branch",), _("default_branch names unknown branch '{code}'{hint}").format(
            code=config.default_branch, hint=suggest(config.default_branch, codes))))
    for bi, branch in enumerate(config.network()):
        base: tuple = ("branches", bi) if network else ()
        errors += _counters(doc, base, branch, services)
        hours = branch.hours
        if hours.open >= hours.close:
            where = (*base, "hours", "close") if network else ("branch", "hours", "close")
            errors.append(doc.error(where, _("closing time {close} is not after opening time {open}").format(
                close=hours.close, open=hours.open)))
        for code in branch.services:
            if code not in services:
                errors.append(doc.error((*base, "services", code), _(
                    "branch '{branch}' changes unknown service '{code}'{hint}").format(
                    branch=branch.code, code=code, hint=suggest(code, services)), key=True))
        if network:
            errors += _branch_staff(doc, bi, branch, config)
    errors += _staff_homes(doc, config, codes, network)
    return errors


def _counters(doc: Document, base: tuple, branch, services: list[str]) -> list[ConfigError]:
    errors: list[ConfigError] = []
    counters = branch.counters
    seen_codes: dict[str, int] = {}
    for ci, counter in enumerate(counters):
        if counter.code in seen_codes:
            line = doc.where((*base, "counters", seen_codes[counter.code], "code"))[0]
            errors.append(doc.error((*base, "counters", ci, "code"),
                                    _("counter code '{code}' is used twice (first at line {line})").format(
                                        code=counter.code, line=line)))
        seen_codes.setdefault(counter.code, ci)
    served: set[str] = set()
    for ci, counter in enumerate(counters):
        seen: set[str] = set()
        for si, code in enumerate(counter.services):
            where = (*base, "counters", ci, "services", si)
            if code not in services:
                errors.append(doc.error(where, _("counter '{counter}' names unknown service '{code}'{hint}").format(
                    counter=counter.code, code=code, hint=suggest(code, services))))
            elif code in seen:
                errors.append(doc.error(where, _("counter '{counter}' lists service '{code}' twice").format(
                    counter=counter.code, code=code)))
            seen.add(code)
            served.add(code)
    for i, code in enumerate(services):
        if code not in served:
            if base:
                where = (*base, "code")
                message = _("service '{code}' is served by no counter of branch '{branch}'").format(
                    code=code, branch=branch.code)
            else:
                where = ("services", i, "code")
                message = _("service '{code}' is served by no counter").format(code=code)
            errors.append(doc.error(where, message))
    return errors


def _branch_staff(doc: Document, bi: int, branch, config: Config) -> list[ConfigError]:
    errors: list[ConfigError] = []
    logins = [s.login for s in config.staff]
    seen: dict[str, int] = {}
    for si, login in enumerate(branch.staff):
        where = ("branches", bi, "staff", si)
        if login not in logins:
            errors.append(doc.error(where, _("branch '{branch}' lists unknown staff login '{login}'{hint}").format(
                branch=branch.code, login=login, hint=suggest(login, logins))))
        elif login in seen:
            errors.append(doc.error(where, _("branch '{branch}' lists '{login}' twice").format(
                branch=branch.code, login=login)))
        seen.setdefault(login, si)
    return errors


def _staff_homes(doc: Document, config: Config, codes: list[str], network: bool) -> list[ConfigError]:
    """A home names a branch of the network; in a network, everyone works somewhere."""
    errors: list[ConfigError] = []
    for i, member in enumerate(config.staff):
        if member.home is not None and member.home not in codes:
            errors.append(doc.error(("staff", i, "home"), _("staff '{login}' has unknown home branch '{home}'{hint}").format(
                login=member.login, home=member.home, hint=suggest(member.home, codes))))
        elif network and member.home is None and not member.all_branches and not any(
                member.login in b.staff for b in config.branches):
            errors.append(doc.error(("staff", i, "login"), _("staff '{login}' works at no branch: list them in a "
                                                             "branch's staff, or give them a home").format(
                login=member.login)))
    return errors


def _customer_lists(doc: Document, config: Config) -> list[ConfigError]:
    """Each customers list names every choice once, as a short code."""
    errors: list[ConfigError] = []
    customers = config.customers
    for key in ("segments", "product_types", "need_categories", "life_event_kinds", "id_doc_types", "reveal_roles"):
        values = list(getattr(customers, key))
        seen: dict[str, int] = {}
        for i, value in enumerate(values):
            where = ("customers", key, i)
            if not _CHOICE.match(value):
                errors.append(doc.error(where, _("'{value}' in customers.{key} must be 1-32 lower-case letters, digits "
                                                 "or '_'").format(value=value, key=key)))
            elif value in seen:
                line = doc.where(("customers", key, seen[value]))[0]
                errors.append(doc.error(where, _("'{value}' is listed twice in customers.{key} (first at line "
                                                 "{line})").format(value=value, key=key, line=line)))
            else:
                seen[value] = i
    return errors


def _national_id(doc: Document, config: Config) -> list[ConfigError]:
    """country and kind name a python-stdnum module; with them, pattern and check are stdnum's own."""
    rules = config.customers.national_id
    given = rules.model_fields_set
    where = ("customers", "national_id")
    if rules.country is None and rules.kind is None:
        return []
    if rules.kind is None:
        have = national_ids.kinds(rules.country or "")
        if have:
            return [doc.error((*where, "country"), _("customers.national_id.country needs a kind too ({country} has: "
                                                     "{kinds})").format(country=rules.country, kinds=", ".join(have)))]
        return [doc.error((*where, "country"), _("customers.national_id.country needs a kind too"))]
    if rules.country is None:
        return [doc.error((*where, "kind"), _("customers.national_id.kind needs a country too, e.g. country: pt"))]
    if rules.country not in national_ids.countries():
        return [doc.error((*where, "country"), _("python-stdnum knows no country '{country}'{hint}").format(
            country=rules.country, hint=suggest(rules.country, national_ids.countries())))]
    if national_ids.module(rules.country, rules.kind) is None:
        have = national_ids.kinds(rules.country)
        return [doc.error((*where, "kind"), _("python-stdnum has no '{kind}' for {country}{hint}; it has: {kinds}").format(
            kind=rules.kind, country=rules.country, hint=suggest(rules.kind, have), kinds=", ".join(have)))]
    errors = []
    for key in ("pattern", "check"):
        if key in given:
            errors.append(doc.error((*where, key), _("remove customers.national_id.{key}: with country and kind, "
                                                     "python-stdnum's {country} {kind} says what is valid").format(
                key=key, country=rules.country, kind=rules.kind)))
    return errors


def _phone_region(doc: Document, config: Config) -> list[ConfigError]:
    customers = config.customers
    given = customers.model_fields_set
    if "phone_region" not in given or "phone_prefix" not in given:
        return []
    if region_for_prefix(customers.phone_prefix) == customers.phone_region:
        return []
    code = phonenumbers.country_code_for_region(customers.phone_region or "")
    return [doc.error(("customers", "phone_prefix"), _("phone_prefix {prefix} is not the country code of phone_region "
                                                       "{region} (+{code}); remove phone_prefix").format(
        prefix=customers.phone_prefix, region=customers.phone_region, code=code))]


def _deprecations(doc: Document, config: Config) -> list[ConfigError]:
    """Settings that still work, with what to write instead."""
    notes: list[ConfigError] = []
    customers = config.customers
    rules = customers.national_id
    if "check" in rules.model_fields_set and rules.check in ("mod11", "luhn") and not rules.stdnum:
        if rules.check == "mod11":
            said = _("note: customers.national_id.check: mod11 is deprecated: it is Portugal's NIF weighting under a "
                     "generic name and accepts 000000000; for Portuguese NIFs write country: pt and kind: nif, which "
                     "python-stdnum validates and formats")
        else:
            said = _("note: customers.national_id.check: luhn is deprecated: name the country and kind of the IDs "
                     "instead (e.g. country: es, kind: dni), which python-stdnum validates and formats")
        notes.append(doc.error(("customers", "national_id", "check"), said))
    if "phone_prefix" in customers.model_fields_set and "phone_region" not in customers.model_fields_set:
        notes.append(doc.error(("customers", "phone_prefix"), _(
            "note: customers.phone_prefix is deprecated: write phone_region: {region} (the country whose numbers are "
            "typed without a country code)").format(region=customers.region)))
    return sorted(notes)
