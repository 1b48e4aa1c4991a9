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
from deskapp.config.errors import ConfigError, ConfigInvalid
from deskapp.config.feedback_checks import feedback_references
from deskapp.config.notify_checks import notification_references
from deskapp.config.offers_checks import offer_references
from deskapp.config.schema import Config, region_for_prefix
from deskapp.config.suggest import suggest
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
    notes = _deprecations(doc, config)
    config, errors, workflow_names = load_workflows(doc, config)
    errors = sorted(errors + _cross_references(doc, config, workflow_names))
    return (None, errors, notes) if errors else (config, [], notes)


def load_config(path: str | os.PathLike | None = None) -> Config:
    """The validated configuration, or ConfigInvalid carrying every problem. Deprecated settings
    are written to the log (WARNING), as check-config prints them."""
    config, errors, notes = check_config_notes(config_path(path))
    if errors:
        raise ConfigInvalid(errors)
    for note in notes:
        logging.getLogger("deskapp.config").warning("%s", note)
    assert config is not None
    return config




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
    errors += _duplicates(doc, "counters", "code", [c.code for c in config.counters], "counter code")
    errors += _duplicates(doc, "staff", "login", [s.login for s in config.staff], "login")
    errors += _duplicates(
        doc, "priority_classes", "code", [p.code for p in config.priority_classes], "priority class"
    )
    served: set[str] = set()
    for ci, counter in enumerate(config.counters):
        seen: set[str] = set()
        for si, code in enumerate(counter.services):
            where = ("counters", ci, "services", si)
            if code not in services:
                errors.append(doc.error(where, f"counter '{counter.code}' names unknown service '{code}'{suggest(code, services)}"))
            elif code in seen:
                errors.append(doc.error(where, f"counter '{counter.code}' lists service '{code}' twice"))
            seen.add(code)
            served.add(code)
    for i, service in enumerate(config.services):
        if service.code not in served:
            errors.append(doc.error(("services", i, "code"), f"service '{service.code}' is served by no counter"))
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
    errors += notification_references(doc, config)
    hours = config.branch.hours
    if hours.open >= hours.close:
        errors.append(doc.error(("branch", "hours", "close"), f"closing time {hours.close} is not after opening time {hours.open}"))
    return sorted(errors)


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
