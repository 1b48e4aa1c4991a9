"""Stored phone numbers renormalised to E.164 (country code and national number, digits only).

Numbers used to be stored as the branch's country code followed by every digit typed, so a
national number's trunk prefix stayed inside it: "07911 123456" at +44 became 4407911123456 and
"030 1234567" at +49 became 490301234567. Each stored number is read again by libphonenumber as
"+digits" (which drops such a trunk prefix) and stored in its E.164 form: 447911123456 and
49301234567. A customer left holding the same number twice keeps one row of it (the oldest).

A number libphonenumber cannot read as a number in use is left as stored and reported: one
WARNING line in the log (logger deskapp.migrations) with how many and which customer numbers,
and `deskapp customers check-phones` lists them (with the phone masked) until they are corrected.
Search indexes follow on their own (SQLite: the customer_phone_fts triggers; PostgreSQL: the
trigram and tail indexes are over the column itself).
"""
import logging

import phonenumbers

log = logging.getLogger("deskapp.migrations")
_BATCH = 1000
_NAMED = 20  # customer numbers named in the log line


def _e164(digits):
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def up(migrator, db):
    p = db.param
    rows = db.execute_sql("SELECT id, customer_id, digits FROM customer_phone ORDER BY id").fetchall()
    held = {}  # (customer, digits) -> the row keeping it
    changed, duplicates, unreadable = [], [], []
    for row_id, customer_id, digits in rows:
        e164 = _e164(digits or "")
        if e164 is None:
            unreadable.append(customer_id)
            e164 = digits
        if (customer_id, e164) in held:
            duplicates.append(row_id)
            continue
        held[(customer_id, e164)] = row_id
        if e164 != digits:
            changed.append((e164, row_id))
    for start in range(0, len(duplicates), _BATCH):
        chunk = duplicates[start:start + _BATCH]
        db.execute_sql(f"DELETE FROM customer_phone WHERE id IN ({', '.join([p] * len(chunk))})", chunk)
    for digits, row_id in changed:
        db.execute_sql(f"UPDATE customer_phone SET digits = {p} WHERE id = {p}", (digits, row_id))
    if changed or duplicates:
        log.info("0015_phones_e164: %d phone numbers renormalised to E.164, %d duplicates removed",
                 len(changed), len(duplicates))
    if unreadable:
        customers = sorted(set(unreadable))
        numbers = []
        for start in range(0, min(len(customers), _NAMED), _BATCH):
            chunk = customers[start:min(start + _BATCH, _NAMED)]
            numbers += [n for (n,) in db.execute_sql(
                f"SELECT number FROM customer WHERE id IN ({', '.join([p] * len(chunk))}) ORDER BY number", chunk)]
        more = f" and {len(customers) - len(numbers)} more" if len(customers) > len(numbers) else ""
        log.warning("0015_phones_e164: %d stored phone numbers are not numbers in use and were left as stored "
                    "(customers %s%s); `deskapp customers check-phones` lists them", len(unreadable),
                    ", ".join(numbers), more)
