"""Stored phone numbers renormalised to E.164 (country code and national number, digits only).

Numbers used to be stored as the branch's country code followed by every digit typed, so a
national number's trunk prefix stayed inside it: "07911 123456" at +44 became 4407911123456 and
"030 1234567" at +49 became 490301234567. Each stored number is read again by libphonenumber as
"+digits" (which drops such a trunk prefix) and stored in its E.164 form: 447911123456 and
49301234567. A customer left holding the same number twice keeps one row of it.

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
    changed, unreadable = [], []
    last = 0
    while True:  # read in batches: a million phones need not be in memory at once
        rows = db.execute_sql(f"SELECT id, customer_id, digits FROM customer_phone WHERE id > {p} ORDER BY id "
                              f"LIMIT {_BATCH}", (last,)).fetchall()
        if not rows:
            break
        for row_id, customer_id, digits in rows:
            last = row_id
            e164 = _e164(digits or "")
            if e164 is None:
                unreadable.append(customer_id)
            elif e164 != digits:
                changed.append((row_id, customer_id, e164))
    duplicates = 0
    for row_id, customer_id, e164 in changed:
        if db.execute_sql(f"SELECT 1 FROM customer_phone WHERE customer_id = {p} AND digits = {p} AND id <> {p}",
                          (customer_id, e164, row_id)).fetchone():
            db.execute_sql(f"DELETE FROM customer_phone WHERE id = {p}", (row_id,))
            duplicates += 1
        else:
            db.execute_sql(f"UPDATE customer_phone SET digits = {p} WHERE id = {p}", (e164, row_id))
    if changed:
        log.info("0015_phones_e164: %d phone numbers renormalised to E.164, %d of them already held by "
                 "their customer and removed", len(changed), duplicates)
    if unreadable:
        customers = sorted(set(unreadable))
        named = customers[:_NAMED]
        numbers = [n for (n,) in db.execute_sql(
            f"SELECT number FROM customer WHERE id IN ({', '.join([p] * len(named))}) ORDER BY number", named)]
        more = f" and {len(customers) - len(numbers)} more" if len(customers) > len(numbers) else ""
        log.warning("0015_phones_e164: %d stored phone numbers are not numbers in use and were left as stored "
                    "(customers %s%s); `deskapp customers check-phones` lists them", len(unreadable),
                    ", ".join(numbers), more)
