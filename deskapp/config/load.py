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
from deskapp.config.texts import missing_languages, texts_in
from deskapp.config.validate import validate
from deskapp.config.workflow_checks import load_workflows
from deskapp.config.yamlsafe import Document, read_yaml

DEFAULT_PATH = "config.yaml"
_CHOICE = re.compile(r"^[a-z0-9_]{1,32}$")


def config_path(explicit: str | os.PathLike | None = None) -> FsPath:
    """The file to load: the explicit path, else $DESKAPP_CONFIG, else ./config.yaml."""
    return FsPath(explicit or os.environ.get("DESKAPP_CONFIG") or DEFAULT_PATH)


def check_config(path: str | os.PathLike, *, text: str | bytes | None = None) -> tuple[Config | None, list[ConfigError]]:
    """Every problem in the configuration; the Config only when there are none."""
    config, errors, _ = check_config_notes(path, text=text)
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
    config, errors, workflow_names = load_workflows(doc, config)
    errors = sorted(errors + _cross_references(doc, config, workflow_names) + _text_languages(doc, config))
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
    return choose_branch(config, branch or os.environ.get("DESKAPP_BRANCH") or None)


def choose_branch(config: Config, code: str | None) -> Config:
    """The configuration seen from branch `code` (None: the default branch); UnknownBranch otherwise."""
    try:
        return config.for_branch(code)
    except LookupError:
        codes = [b.code for b in config.network()]
        raise UnknownBranch(f"unknown branch '{code}'{suggest(code or '', codes)}; this configuration's branches: "
                            f"{', '.join(codes)}") from None


def _network_shape(doc: Document, config: Config) -> list[ConfigError]:
    """Either one branch (`branch:` and `counters:`) or a network (`branches:`), never both nor neither."""
    errors = []
    if config.branches:
        for key in ("branch", "counters"):
            if getattr(config, key):
                errors.append(doc.error((key,), f"'{key}' is written inside each branch when the file has "
                                                "'branches:'; move it there", key=True))
    else:
        if config.branch is None:
            errors.append(doc.error((), "missing required key 'branch' (or 'branches:' for a network)"))
        if not config.counters:
            where = ("counters",) if "counters" in (doc.data or {}) else ()
            errors.append(doc.error(where, "missing required key 'counters'" if not where else "must not be empty",
                                    key=not where))
    return errors




def _text_languages(doc: Document, config: Config) -> list[ConfigError]:
    """Every text given per language that lacks one the branches speak (every branch's, for the texts
    the network shares; a plain string is the same words in every language and is not reported)."""
    languages: list[str] = []
    for branch in config.network():
        languages += [lang for lang in branch.languages if lang not in languages]
    return [doc.error(path, f"this text has no {', '.join(missing)} (the branch speaks {', '.join(languages)}); "
                            f"add {missing[0]}: ...")
            for path, text in texts_in(config) if (missing := missing_languages(text, languages))]


def _duplicates(doc: Document, section: str, key: str, values: list[str], what: str) -> list[ConfigError]:
    seen: dict[str, int] = {}
    errors = []
    for i, value in enumerate(values):
        if value in seen:
            line, _ = doc.where((section, seen[value], key))
            errors.append(doc.error((section, i, key), f"{what} '{value}' is used twice (first at line {line})"))
        else:
            seen[value] = i
    return errors


def _cross_references(doc: Document, config: Config, workflow_names: Iterable[str] = ()) -> list[ConfigError]:
    errors: list[ConfigError] = []
    workflows = sorted(set(workflow_names) | set(config.workflows))
    for i, service in enumerate(config.services):
        if service.workflow is not None and service.workflow not in workflows:
            errors.append(doc.error(("services", i, "workflow"), f"service '{service.code}' names unknown workflow "
                                                                 f"'{service.workflow}'{suggest(service.workflow, workflows)}"))
    services = [s.code for s in config.services]
    errors += _duplicates(doc, "services", "code", services, "service code")
    errors += _duplicates(doc, "services", "prefix", [s.prefix for s in config.services], "ticket prefix")
    errors += _duplicates(doc, "staff", "login", [s.login for s in config.staff], "login")
    errors += _duplicates(
        doc, "priority_classes", "code", [p.code for p in config.priority_classes], "priority class"
    )
    errors += _duplicates(doc, "pause_reasons", "code", [r.code for r in config.pause_reasons], "pause reason")
    errors += _branches(doc, config, services)
    errors += _customer_lists(doc, config)
    errors += _national_id(doc, config)
    errors += _phone_region(doc, config)
    classes = [p.code for p in config.priority_classes]
    for segment, code in config.customers.segment_priority.items():
        where = ("customers", "segment_priority", segment)
        if segment not in config.customers.segments:
            errors.append(doc.error(where, f"customers.segment_priority names unknown segment '{segment}'"
                                           f"{suggest(segment, config.customers.segments)}", key=True))
        if code not in classes:
            errors.append(doc.error(where, f"customers.segment_priority maps '{segment}' to unknown priority class "
                                           f"'{code}'{suggest(code, classes)}"))
    errors += feedback_references(doc, config)
    errors += offer_references(doc, config)
    for code in config.appointments.capacity:
        if code not in services:
            errors.append(doc.error(("appointments", "capacity", code), f"appointments.capacity names unknown service "
                                                                      f"'{code}'{suggest(code, services)}", key=True))
    if config.appointments.priority_class in classes:
        errors.append(doc.error(("appointments", "priority_class"), f"appointments.priority_class "
                                f"'{config.appointments.priority_class}' is also a walk-in priority class"))
    errors += notification_references(doc, config)
    return sorted(errors)


def _branches(doc: Document, config: Config, services: list[str]) -> list[ConfigError]:
    """Each branch's counters, hours, overrides and staff; codes unique across the network."""
    errors: list[ConfigError] = []
    network = bool(config.branches)
    if network:
        errors += _duplicates(doc, "branches", "code", [b.code.upper() for b in config.branches], "branch code")
    codes = [b.code for b in config.network()]
    if config.default_branch is not None and config.default_branch not in codes:
        errors.append(doc.error(("default_branch",), f"default_branch names unknown branch "
                                                     f"'{config.default_branch}'{suggest(config.default_branch, codes)}"))
    for bi, branch in enumerate(config.network()):
        base: tuple = ("branches", bi) if network else ()
        errors += _counters(doc, base, branch, services)
        hours = branch.hours
        if hours.open >= hours.close:
            where = (*base, "hours", "close") if network else ("branch", "hours", "close")
            errors.append(doc.error(where, f"closing time {hours.close} is not after opening time {hours.open}"))
        for code in branch.services:
            if code not in services:
                errors.append(doc.error((*base, "services", code), f"branch '{branch.code}' changes unknown service "
                                                                   f"'{code}'{suggest(code, services)}", key=True))
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
            line, _ = doc.where((*base, "counters", seen_codes[counter.code], "code"))
            errors.append(doc.error((*base, "counters", ci, "code"),
                                    f"counter code '{counter.code}' is used twice (first at line {line})"))
        seen_codes.setdefault(counter.code, ci)
    served: set[str] = set()
    for ci, counter in enumerate(counters):
        seen: set[str] = set()
        for si, code in enumerate(counter.services):
            where = (*base, "counters", ci, "services", si)
            if code not in services:
                errors.append(doc.error(where, f"counter '{counter.code}' names unknown service '{code}'{suggest(code, services)}"))
            elif code in seen:
                errors.append(doc.error(where, f"counter '{counter.code}' lists service '{code}' twice"))
            seen.add(code)
            served.add(code)
    for i, code in enumerate(services):
        if code not in served:
            if base:
                where = (*base, "code")
                message = f"service '{code}' is served by no counter of branch '{branch.code}'"
            else:
                where, message = ("services", i, "code"), f"service '{code}' is served by no counter"
            errors.append(doc.error(where, message))
    return errors


def _branch_staff(doc: Document, bi: int, branch, config: Config) -> list[ConfigError]:
    errors: list[ConfigError] = []
    logins = [s.login for s in config.staff]
    seen: dict[str, int] = {}
    for si, login in enumerate(branch.staff):
        where = ("branches", bi, "staff", si)
        if login not in logins:
            errors.append(doc.error(where, f"branch '{branch.code}' lists unknown staff login '{login}'"
                                           f"{suggest(login, logins)}"))
        elif login in seen:
            errors.append(doc.error(where, f"branch '{branch.code}' lists '{login}' twice"))
        seen.setdefault(login, si)
    return errors


def _staff_homes(doc: Document, config: Config, codes: list[str], network: bool) -> list[ConfigError]:
    """A home names a branch of the network; in a network, everyone works somewhere."""
    errors: list[ConfigError] = []
    for i, member in enumerate(config.staff):
        if member.home is not None and member.home not in codes:
            errors.append(doc.error(("staff", i, "home"), f"staff '{member.login}' has unknown home branch "
                                                          f"'{member.home}'{suggest(member.home, codes)}"))
        elif network and member.home is None and not member.all_branches and not any(
                member.login in b.staff for b in config.branches):
            errors.append(doc.error(("staff", i, "login"), f"staff '{member.login}' works at no branch: list them "
                                                           "in a branch's staff, or give them a home"))
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
                errors.append(doc.error(where, f"'{value}' in customers.{key} must be 1-32 lower-case letters, digits or '_'"))
            elif value in seen:
                line, _ = doc.where(("customers", key, seen[value]))
                errors.append(doc.error(where, f"'{value}' is listed twice in customers.{key} (first at line {line})"))
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
        listed = f" ({rules.country} has: {', '.join(have)})" if have else ""
        return [doc.error((*where, "country"), f"customers.national_id.country needs a kind too{listed}")]
    if rules.country is None:
        return [doc.error((*where, "kind"), "customers.national_id.kind needs a country too, e.g. country: pt")]
    if rules.country not in national_ids.countries():
        return [doc.error((*where, "country"), f"python-stdnum knows no country '{rules.country}'"
                                               f"{suggest(rules.country, national_ids.countries())}")]
    if national_ids.module(rules.country, rules.kind) is None:
        have = national_ids.kinds(rules.country)
        return [doc.error((*where, "kind"), f"python-stdnum has no '{rules.kind}' for {rules.country}"
                                            f"{suggest(rules.kind, have)}; it has: {', '.join(have)}")]
    errors = []
    for key in ("pattern", "check"):
        if key in given:
            errors.append(doc.error((*where, key), f"remove customers.national_id.{key}: with country and kind, "
                                                   f"python-stdnum's {rules.country} {rules.kind} says what is valid"))
    return errors


def _phone_region(doc: Document, config: Config) -> list[ConfigError]:
    customers = config.customers
    given = customers.model_fields_set
    if "phone_region" not in given or "phone_prefix" not in given:
        return []
    if region_for_prefix(customers.phone_prefix) == customers.phone_region:
        return []
    code = phonenumbers.country_code_for_region(customers.phone_region or "")
    return [doc.error(("customers", "phone_prefix"), f"phone_prefix {customers.phone_prefix} is not the country code "
                                                     f"of phone_region {customers.phone_region} (+{code}); "
                                                     "remove phone_prefix")]


def _deprecations(doc: Document, config: Config) -> list[ConfigError]:
    """Settings that still work, with what to write instead."""
    notes: list[ConfigError] = []
    customers = config.customers
    rules = customers.national_id
    if "check" in rules.model_fields_set and rules.check in ("mod11", "luhn") and not rules.stdnum:
        if rules.check == "mod11":
            instead = ("it is Portugal's NIF weighting under a generic name and accepts 000000000; for "
                       "Portuguese NIFs write country: pt and kind: nif")
        else:
            instead = "name the country and kind of the IDs instead (e.g. country: es, kind: dni)"
        notes.append(doc.error(("customers", "national_id", "check"), f"note: customers.national_id.check: "
                                                                      f"{rules.check} is deprecated: {instead}, "
                                                                      "which python-stdnum validates and formats"))
    if "phone_prefix" in customers.model_fields_set and "phone_region" not in customers.model_fields_set:
        notes.append(doc.error(("customers", "phone_prefix"), f"note: customers.phone_prefix is deprecated: write "
                                                              f"phone_region: {customers.region} (the country whose "
                                                              "numbers are typed without a country code)"))
    return sorted(notes)
