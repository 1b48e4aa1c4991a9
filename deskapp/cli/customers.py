"""`deskapp customers ...`: search, import and export of customer records; merge, erase, hold, export-one."""
from __future__ import annotations

import sys

import click

from deskapp.cli.click_words import argument, group, option
from deskapp.cli.common import (
    EXIT_BAD_INPUT,
    Env,
    emit,
    json_option,
    pin_stdin_option,
    progress_bar,
    prove_identity,
    user_errors,
)
from deskapp.i18n import N_, _, ngettext, number


@group(help=N_("Customer records: search, CSV import and export, merging, erasure and legal holds, subject access."))
def customers() -> None:
    pass


@customers.command(help=N_("Ranked matches by name, phone, national ID or customer number, IDs masked as for a "
                           "teller."))
@argument("query")
@option("--limit", default=20, show_default=True, type=click.IntRange(1, 500))
@option("--offset", default=0, show_default=True, type=click.IntRange(0, None))
@json_option
@click.pass_obj
@user_errors
def search(env: Env, query: str, limit: int, offset: int, as_json: bool) -> None:
    from deskapp.core.customers import directory as core
    from deskapp.core.security.permissions import READER

    ctx = env.context()
    found = core.search(ctx, READER, query, limit, offset)
    data = [
        {"id": c.id, "number": c.number, "name": c.name, "national_id": c.national_id,
         "birth_date": c.birth_date.isoformat() if c.birth_date else None, "phone": c.phone,
         "segment": c.segment, "active": c.active, "rank": c.rank}
        for c in found
    ]
    lines = [
        f"{c.number:<10} {c.name[:40]:<40} {c.national_id or '-':<12} {c.phone or '-':<18} "
        f"{c.birth_date.isoformat() if c.birth_date else '-'}"
        for c in found
    ]
    emit(as_json, data, "\n".join(lines) if lines else _("no customer matches"))


@customers.command("check-phones", help=N_("List stored phones that are not numbers in use (as migration 0015 left "
                                           "them), phones masked; exit 1 when there is any. Correct them on the "
                                           "customer's profile."))
@option("--limit", default=None, type=click.IntRange(1, None), help=N_("List at most this many."))
@json_option
@click.pass_obj
@user_errors
def check_phones(env: Env, limit: int | None, as_json: bool) -> None:
    from deskapp.core.customers import directory as core
    from deskapp.core.security.permissions import READER

    ctx = env.context()
    found = core.phones_to_fix(ctx, READER, limit)
    data = [{"number": f.number, "name": f.name, "phone": f.phone, "label": f.label} for f in found]
    lines = [f"{f.number:<10} {f.name[:40]:<40} {f.phone or '-':<18} {f.label}" for f in found]
    emit(as_json, {"phones": data},
         "\n".join(lines) if lines else _("Every stored phone is a number in use, in E.164 form."))
    if found:
        sys.exit(1)


@customers.command(help=N_("List likely duplicate customers over the whole base, highest score first: a similar name "
                           "with the same birth date, one a day off or with day and month swapped, the same phone or "
                           "e-mail."))
@option("--limit", default=50, show_default=True, type=click.IntRange(1, None), help=N_("List at most this many."))
@json_option
@click.pass_obj
@user_errors
def duplicates(env: Env, limit: int, as_json: bool) -> None:
    from deskapp.core.customers import duplicates as core
    from deskapp.core.security.permissions import READER

    ctx = env.context()
    with progress_bar(_("Looking for duplicates")) as progress:
        found, total = core.likely_pairs(ctx, READER, limit=limit,
                                         progress=progress)
    data = {"pairs": [{"score": f.score, "reasons": list(f.reasons),
                       "customers": [{"number": n, "name": name} for n, name in (f.first, f.second)]}
                      for f in found], "total": total}
    lines = [f"{number(f.score, digits=2)}  {f.first[0]} {f.first[1][:28]:<28}  {f.second[0]} {f.second[1][:28]:<28}  "
             f"{', '.join(f.reasons)}" for f in found]
    more = "\n" + ngettext("{n} more pair (--limit)", "{n} more pairs (--limit)", total - len(found)).format(
        n=total - len(found)) if total > len(found) else ""
    emit(as_json, data, ("\n".join(lines) + more) if lines else _("No likely duplicates."))


@customers.command("import", help=N_("Import customers from a CSV file (columns by header; see the docs of "
                                     "deskapp.core.customer_io).\n\nHeaders: number, name, national_id, birth_date, "
                                     "phone, phones (';' between numbers), email, address, segment, manager, "
                                     "marketing_consent, kyc_review_due, id_doc_type, id_doc_expiry. A customer "
                                     "already on file (same national ID, else number) is updated, never duplicated; "
                                     "a new row that may be a customer already on file (similar name and close birth "
                                     "date, same phone or e-mail) is imported and reported as FILE:ROW: may be "
                                     "customer NUMBER already on file (reasons). Bad rows are reported as FILE:ROW: "
                                     "reason (the header is row 1); the good rows are still imported, and the exit "
                                     "code is 2 when any row was bad."))
@argument("file", type=click.Path(dir_okay=False))
@option("--dry-run", is_flag=True, help=N_("Check every row and report, but change nothing."))
@json_option
@click.pass_obj
@user_errors
def import_cmd(env: Env, file: str, dry_run: bool, as_json: bool) -> None:
    from deskapp.core.customers import io as customer_io

    ctx = env.context()
    with progress_bar(_("Importing customers")) as progress:
        report = customer_io.import_csv(ctx, file, dry_run=dry_run, progress=progress)
    for line in report.lines() + report.duplicate_lines():
        click.echo(line, err=True)
    data = {"file": file, "rows": report.rows, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "bad_rows": report.bad_rows, "dry_run": dry_run,
            "errors": [{"row": row, "reason": reason} for row, reason in report.errors],
            "possible_duplicates": [{"row": row, "customer": number, "reasons": list(reasons)}
                                    for row, number, reasons in report.duplicates]}
    emit(as_json, data, _("dry run: {summary}").format(summary=report.summary()) if dry_run else report.summary())
    if report.errors:
        sys.exit(EXIT_BAD_INPUT)


@customers.command(help=N_("Export every customer to CSV, national IDs masked unless --reveal by an allowed role, "
                           "proven by PIN."))
@option("--out", required=True, type=click.Path(dir_okay=False, writable=True), help=N_("CSV file to write."))
@option("--staff", "login", required=True, help=N_("Login of the person exporting (audited)."))
@option("--reveal", is_flag=True,
        help=N_("Full national IDs (only for the roles in customers.reveal_roles; the PIN is asked)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def export(env: Env, out: str, login: str, reveal: bool, pin_stdin: bool, as_json: bool) -> None:
    from deskapp.core.customers import io as customer_io
    from deskapp.core.customers.directory import session_for

    ctx = env.context()
    session = prove_identity(ctx, login, pin_stdin) if reveal else session_for(login)
    count = customer_io.export_csv(ctx, session, out, reveal=reveal)
    emit(as_json, {"file": out, "rows": count, "revealed": reveal},
         (ngettext("{n} customer written to {path} (national IDs in full)",
                   "{n} customers written to {path} (national IDs in full)", count) if reveal else
          ngettext("{n} customer written to {path} (national IDs masked)",
                   "{n} customers written to {path} (national IDs masked)", count)).format(n=count, path=out))


@customers.command(help=N_("Merge customer OTHER into KEEP: everything held about OTHER moves to KEEP, whose fields "
                           "keep their values (or OTHER's where KEEP has none) unless --keep FIELD=other; OTHER's "
                           "number then finds KEEP. Supervisors only; audited with both numbers."))
@argument("keep")
@argument("other")
@option("--keep", "choices", multiple=True, metavar="FIELD=other",  # i18n: not words
        help=N_("Take this field's value from OTHER (repeatable); fields: name, national_id, birth_date, email, "
             "address, segment, manager, marketing_consent, kyc_review_due, id_doc_type, id_doc_expiry."))
@option("--by", "login", required=True, help=N_("Login of the supervisor merging (PIN proven)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def merge(env: Env, keep: str, other: str, choices: tuple[str, ...], login: str, pin_stdin: bool,
          as_json: bool) -> None:
    from deskapp.core.customers import directory
    from deskapp.core.customers import merge as core

    ctx = env.context()
    take = core.parse_choices(choices)
    keep_id, other_id = directory.find(keep, follow=False), directory.find(other, follow=False)
    session = prove_identity(ctx, login, pin_stdin)
    result = core.merge(ctx, session, keep_id, other_id, take)
    moved = {table: n for table, n in sorted(result.moved.items()) if n}
    emit(as_json, {"survivor": result.survivor, "merged": result.merged, "from_merged": list(result.from_other),
                   "moved": moved, "rows_before": result.rows_before, "rows_after": result.rows_after},
         _("{merged} merged into {survivor}; from {merged}: {fields}; moved: {moved}").format(
             merged=result.merged, survivor=result.survivor, fields=", ".join(result.from_other) or _("no field"),
             moved=", ".join(f"{t} {n}" for t, n in moved.items()) or _("nothing")))


@customers.command(help=N_("Erase a customer's personal data (GDPR article 17): anonymised, keeping the number, "
                           "anonymous figures and what retention.keep_on_erasure names. Refused under a legal hold. "
                           "Supervisors only; audited."))
@argument("number")
@option("--reason", required=True, help=N_("The request this answers (kept in the audit: no personal data)."))
@option("--by", "login", required=True, help=N_("Login of the supervisor erasing (PIN proven)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def erase(env: Env, number: str, reason: str, login: str, pin_stdin: bool, as_json: bool) -> None:
    from deskapp.core.customers import directory, erasure

    ctx = env.context()
    customer_id = directory.find(number)  # a number merged away names the same person: its survivor
    session = prove_identity(ctx, login, pin_stdin)
    result = erasure.erase(ctx, session, customer_id, reason)
    changed = {t: n for t, n in sorted(result.anonymised.items()) if n}
    emit(as_json, {"number": result.number, "anonymised": changed, "kept": list(result.kept)},
         (_("customer {number} erased; rows anonymised: {rows}; kept for retention: {kept}") if result.kept else
          _("customer {number} erased; rows anonymised: {rows}")).format(
             number=result.number, rows=", ".join(f"{t} {n}" for t, n in changed.items()),
             kept=", ".join(result.kept)))


@customers.command(help=N_("Put a customer under a legal hold (erasure is refused until it is cleared), or --clear "
                           "it. Audited."))
@argument("number")
@option("--reason", help=N_("What the hold is for (a case or order reference; no personal data)."))
@option("--clear", is_flag=True, help=N_("Clear the hold instead."))
@option("--by", "login", required=True, help=N_("Login of the supervisor (PIN proven)."))
@pin_stdin_option
@json_option
@click.pass_obj
@user_errors
def hold(env: Env, number: str, reason: str | None, clear: bool, login: str, pin_stdin: bool, as_json: bool) -> None:
    from deskapp.core.customers import directory, erasure
    from deskapp.errors import BadInput

    if clear == bool(reason):
        raise BadInput(_("Give --reason to set a legal hold, or --clear to clear it."))
    ctx = env.context()
    customer_id = directory.find(number)
    session = prove_identity(ctx, login, pin_stdin)
    if clear:
        erasure.clear_hold(ctx, session, customer_id)
    else:
        erasure.set_hold(ctx, session, customer_id, reason or "")
    emit(as_json, {"number": number, "legal_hold": not clear},
         (_("legal hold on {number} cleared") if clear else _("legal hold on {number} set")).format(number=number))


@customers.command("export-one", help=N_("Everything held about one customer as JSON, unmasked (subject access, GDPR "
                                         "article 15). Audited."))
@argument("number")
@option("--by", "login", required=True, help=N_("Login of the supervisor or manager exporting (PIN proven)."))
@option("--output", type=click.Path(dir_okay=False, writable=True), help=N_("JSON file to write (default: stdout)."))
@pin_stdin_option
@click.pass_obj
@user_errors
def export_one(env: Env, number: str, login: str, output: str | None, pin_stdin: bool) -> None:
    import json

    from deskapp.core.customers import directory, erasure

    ctx = env.context()
    customer_id = directory.find(number)
    session = prove_identity(ctx, login, pin_stdin)
    data = erasure.export_one(ctx, session, customer_id)
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if output:
        with open(output, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        click.echo(_("everything held about {number} written to {path}").format(
            number=data["customer"]["number"], path=output), err=True)
    else:
        click.echo(text)
