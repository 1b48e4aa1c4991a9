"""Likely duplicate customers: similar names with the same or a close birth date, a phone or an e-mail.

Two names are the same when their words, written as skeletons (deskapp.db.fuzzy.skeleton: ü/ue,
ß/ss ... one way), are the same in any order; similar when they have as many words and each word
of one is a word of the other within the typos search forgives (one, two from 7 letters). A word
more or fewer ("Maria Silva", "Maria José Silva") is not enough: in a big base too many different
people's names are another's with one word more. Birth dates are the same, one day apart, or
the day and month swapped (03/04 and 04/03). The evidence of a pair is scored:

    same name 0.5, similar name 0.35; same birth date 0.35, one day off 0.2, day and month
    swapped 0.2; same phone 0.3; same e-mail 0.3 (at most 1.0)

`for_new` is asked when a customer is created or edited (core's PossibleDuplicates): a customer
with one of the phones or the e-mail, or a similar name and a close birth date. `scan` lists the
likely pairs of the whole base: a similar name and at least one of the others. It compares only
customers that share a block, so it reads every customer once and does not compare all pairs:
birth dates (read in date order a year at a time, each day against itself, the next day and its
swapped date; within those only names sharing a word or a word less one letter), then every
phone and every e-mail held by more than one customer (groups of more than MAX_GROUP customers,
an office's switchboard, are left out).
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from deskapp.core.context import Context
from deskapp.core.customers.directory import require
from deskapp.core.security.auth import Session
from deskapp.core.security.permissions import acts_as
from deskapp.db.database import db
from deskapp.db.fuzzy import max_typos, similar_words, skeleton, typo_distance
from deskapp.i18n import N_, _

# The reasons are kept as these English codes (compared, scored, stored nowhere); `reason_text` shows
# one in the language in effect.
SCORES = {N_("same name"): 0.5, N_("similar name"): 0.35, N_("same birth date"): 0.35,
          N_("birth date one day off"): 0.2, N_("birth date day and month swapped"): 0.2, N_("same phone"): 0.3,
          N_("same e-mail"): 0.3}
NAME_REASONS = ("same name", "similar name")  # i18n: not words
MAX_GROUP = 20
_CHUNK = 500


@dataclass(frozen=True)
class Pair:
    first: int  # customer ids, first < second
    second: int
    score: float
    reasons: tuple[str, ...]


@functools.lru_cache(maxsize=65_536)
def _skeletons(name_folded: str) -> tuple[str, ...]:
    return tuple(sorted(skeleton(w) for w in name_folded.split()))


def name_relation(a: str, b: str) -> str | None:
    """'same name', 'similar name' or None for two folded names."""
    wa, wb = _skeletons(a), _skeletons(b)
    if not wa or len(wa) != len(wb):
        return None
    if wa == wb:
        return "same name"  # i18n: not words
    # The words both names hold need no comparing; each word left must be a typo of one left.
    common = Counter(wa) & Counter(wb)
    free = list((Counter(wb) - common).elements())
    for word in (Counter(wa) - common).elements():
        limit = max_typos(word)
        best = min(free, key=lambda other: typo_distance(word, other, limit))
        if typo_distance(word, best, limit) > limit:
            return None
        free.remove(best)
    return "similar name"  # i18n: not words


def date_relation(a: dt.date | None, b: dt.date | None) -> str | None:
    if a is None or b is None:
        return None
    if a == b:
        return "same birth date"  # i18n: not words
    if abs((a - b).days) == 1:
        return "birth date one day off"  # i18n: not words
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return "birth date day and month swapped"  # i18n: not words
    return None


def close_dates(day: dt.date) -> list[dt.date]:
    """The birth dates a duplicate may carry: the same, a day either side, day and month swapped."""
    out = [day, day - dt.timedelta(days=1), day + dt.timedelta(days=1)]
    if day.day <= 12 and day.day != day.month:
        out.append(day.replace(month=day.day, day=day.month))
    return out


def reason_text(reason: str) -> str:
    """A reason (a code of SCORES) as a person reads it, in the language in effect."""
    return _(reason)


def score(reasons: Iterable[str]) -> float:
    return round(min(1.0, sum(SCORES[r] for r in reasons)), 2)


def for_new(name_folded: str | None, birth_date: dt.date | None, phones: list[str], email: str | None,
            own_id: int | None) -> list[tuple[int, tuple[str, ...]]]:
    """(customer id, reasons) of the customers a new or edited record may duplicate, best first:
    one of the phones, the e-mail, or a similar name with a close birth date."""
    p = db.param
    candidates: set[int] = set()
    if birth_date is not None and name_folded:
        dates = close_dates(birth_date)
        candidates |= {cid for (cid,) in db.execute_sql(
            f"SELECT id FROM customer WHERE birth_date IN ({', '.join([p] * len(dates))})", dates).fetchall()}
    if phones:
        candidates |= {cid for (cid,) in db.execute_sql(
            f"SELECT customer_id FROM customer_phone WHERE digits IN ({', '.join([p] * len(phones))})",
            phones).fetchall()}
    if email:
        candidates |= {cid for (cid,) in db.execute_sql(f"SELECT id FROM customer WHERE email = {p}",
                                                        (email,)).fetchall()}
    candidates.discard(own_id)  # type: ignore[arg-type]
    found = []
    mine = _Record(0, name_folded or "", birth_date, email, frozenset(phones))
    for other in _records(sorted(candidates)):
        reasons = _evidence(mine, other)
        if {"same phone", "same e-mail"} & set(reasons) or (  # i18n: not words
                set(reasons) & set(NAME_REASONS) and len(reasons) > 1):
            found.append((other.id, reasons))
    return sorted(found, key=lambda f: (-score(f[1]), f[0]))


def scan(*, progress: Callable[[float], None] = lambda f: None, limit: int | None = None) -> list[Pair]:
    """The likely duplicate pairs of the whole base, highest score first (then by customer ids)."""
    total = db.execute_sql("SELECT count(*) FROM customer").fetchone()[0] or 1
    pairs: set[tuple[int, int]] = set()
    done = 0
    for read, found in _by_birth_date():
        pairs |= found
        done += read
        progress(0.8 * done / total)
    pairs |= _shared("SELECT digits, customer_id FROM customer_phone ORDER BY digits, customer_id")
    progress(0.85)
    pairs |= _shared("SELECT email, id FROM customer WHERE email IS NOT NULL ORDER BY email, id")
    progress(0.9)
    result = []
    ids = sorted({i for pair in pairs for i in pair})
    records: dict[int, _Record] = {}
    for start in range(0, len(ids), _CHUNK):
        records.update((r.id, r) for r in _records(ids[start:start + _CHUNK]))
    for a, b in pairs:
        if a in records and b in records:
            reasons = _evidence(records[a], records[b])
            if set(reasons) & set(NAME_REASONS) and len(reasons) > 1:
                result.append(Pair(a, b, score(reasons), reasons))
    progress(1.0)
    result.sort(key=lambda pair: (-pair.score, pair.first, pair.second))
    return result[:limit] if limit is not None else result


@dataclass(frozen=True)
class _Record:
    id: int
    name_folded: str
    birth_date: dt.date | None
    email: str | None
    phones: frozenset[str]


def _evidence(a: _Record, b: _Record) -> tuple[str, ...]:
    reasons = [r for r in (name_relation(a.name_folded, b.name_folded), date_relation(a.birth_date, b.birth_date))
               if r]
    if a.phones & b.phones:
        reasons.append("same phone")  # i18n: not words
    if a.email and a.email == b.email:
        reasons.append("same e-mail")  # i18n: not words
    return tuple(reasons)


def _date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value  # type: ignore[return-value]
    return dt.date.fromisoformat(str(value)[:10])


def _records(ids: list[int]) -> list[_Record]:
    if not ids:
        return []
    p = db.param
    marks = ", ".join([p] * len(ids))
    phones: dict[int, set[str]] = defaultdict(set)
    for cid, digits in db.execute_sql(f"SELECT customer_id, digits FROM customer_phone WHERE customer_id IN ({marks})",
                                      ids).fetchall():
        phones[cid].add(digits)
    return [_Record(cid, name or "", _date(born), email, frozenset(phones[cid])) for cid, name, born, email in
            db.execute_sql(f"SELECT id, name_folded, birth_date, email FROM customer WHERE id IN ({marks})",
                           ids).fetchall()]


@functools.lru_cache(maxsize=65_536)
def _keys(name_folded: str) -> frozenset[str]:
    """Block keys of a name: each word's skeleton, and each of them less one letter (3 letters and more).
    Two words one typo apart share one of these. Cached: a big base repeats its names."""
    keys = set()
    for word in name_folded.split():
        key = skeleton(word)
        keys.add(key)
        if len(key) >= 3:
            keys.update(key[:i] + key[i + 1:] for i in range(len(key)))
    return frozenset(keys)


def _by_birth_date() -> Iterator[tuple[int, set[tuple[int, int]]]]:
    """(customers read, candidate pairs) a year of birth dates at a time."""
    cursor = db.execute_sql("SELECT id, name_folded, birth_date FROM customer WHERE birth_date IS NOT NULL "
                            "ORDER BY birth_date, id")
    year: dict[dt.date, list[tuple[int, str]]] = defaultdict(list)
    current = None
    read = 0
    carry: dict[dt.date, list[tuple[int, str]]] = {}
    while rows := cursor.fetchmany(10_000):
        for cid, name, born in rows:
            day = _date(born)
            if current is not None and day.year != current:  # type: ignore[union-attr]
                yield read, _pairs_of_year(year, carry)
                read = 0
                last = max(year)
                carry = {last: year[last]}
                year = defaultdict(list)
            current = day.year  # type: ignore[union-attr]
            year[day].append((cid, name or ""))  # type: ignore[index]
            read += 1
    if year:
        yield read, _pairs_of_year(year, carry)


def _pairs_of_year(year: dict[dt.date, list[tuple[int, str]]],
                   carry: dict[dt.date, list[tuple[int, str]]]) -> set[tuple[int, int]]:
    keys: dict[int, frozenset[str]] = {}
    for group in (*year.values(), *carry.values()):
        for cid, name in group:
            keys[cid] = _keys(name)
    found: set[tuple[int, int]] = set()
    for day, group in year.items():
        partners = [day + dt.timedelta(days=1)]
        if day.day <= 12 and day.day < day.month:
            partners.append(day.replace(month=day.day, day=day.month))
        _compare(group, group, keys, found)
        for other in partners:
            if other in year:
                _compare(group, year[other], keys, found)
        previous = day - dt.timedelta(days=1)
        if previous in carry:
            _compare(carry[previous], group, keys, found)
    return found


def _compare(a: list[tuple[int, str]], b: list[tuple[int, str]], keys: dict[int, frozenset[str]],
             found: set[tuple[int, int]]) -> None:
    index: dict[str, list[int]] = defaultdict(list)
    names = dict(b)
    for cid, _name in b:
        for key in keys[cid]:
            index[key].append(cid)
    for cid, name in a:
        near = {other for key in keys[cid] for other in index.get(key, ()) if other != cid}
        for other in near:
            pair = (min(cid, other), max(cid, other))
            if pair not in found and name_relation(name, names[other]):
                found.add(pair)


def _shared(sql: str) -> set[tuple[int, int]]:
    """Pairs of customers holding the same value (rows of (value, customer id) in value order)."""
    found: set[tuple[int, int]] = set()
    cursor = db.execute_sql(sql)
    value, group = None, []

    def close() -> None:
        members = sorted(set(group))
        if 1 < len(members) <= MAX_GROUP:
            found.update((a, b) for i, a in enumerate(members) for b in members[i + 1:])

    while rows := cursor.fetchmany(10_000):
        for v, cid in rows:
            if v != value:
                close()
                value, group = v, []
            group.append(cid)
    close()
    return found


@dataclass(frozen=True)
class Listed:
    """A likely pair as listed to staff: customer numbers and names, the score and its reasons."""

    score: float
    reasons: tuple[str, ...]
    first: tuple[str, str]  # (customer number, name)
    second: tuple[str, str]


@acts_as("customers.search")
def likely_pairs(ctx: Context, session: Session, *, limit: int | None = None,
                 progress: Callable[[float], None] = lambda f: None) -> tuple[list[Listed], int]:
    """The likely duplicate pairs of the whole base for `customers duplicates` (at most `limit`,
    highest score first), and how many there are in all."""
    require(ctx, session, "search")
    pairs = scan(progress=progress)
    shown = pairs[:limit] if limit is not None else pairs
    ids = sorted({i for pair in shown for i in (pair.first, pair.second)})
    names: dict[int, tuple[str, str]] = {}
    p = db.param
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        names.update((cid, (number, name)) for cid, number, name in db.execute_sql(
            f"SELECT id, number, name FROM customer WHERE id IN ({', '.join([p] * len(chunk))})", chunk).fetchall())
    return [Listed(pair.score, pair.reasons, names[pair.first], names[pair.second]) for pair in shown], len(pairs)


class ImportCheck:
    """The duplicate check of one import: the customers on file when it began, by birth date and
    name word, read once for all its batches (a date at a time, as the batches need them)."""

    def __init__(self) -> None:
        self.by_day: dict[dt.date, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
        self.loaded: set[dt.date] = set()
        self.near: dict[str, set[str]] = {}

    def batch(self, rows: list[tuple[str, dt.date | None, list[str], str | None]]
              ) -> list[list[tuple[str, tuple[str, ...]]]]:
        return for_batch(rows, self)


def for_batch(rows: list[tuple[str, dt.date | None, list[str], str | None]], check: ImportCheck | None = None
              ) -> list[list[tuple[str, tuple[str, ...]]]]:
    """For each new record (folded name, birth date, phones, e-mail) of an import's batch, the
    customers on file it may duplicate, as for_new finds them: (customer number, reasons).
    A few statements for the whole batch, whatever its size."""
    p = db.param
    check = check or ImportCheck()
    dates = sorted({d for name, born, _, _ in rows if born is not None and name for d in close_dates(born)}
                   - check.loaded)
    check.loaded.update(dates)
    # The customers born on those dates, by date and by each word of their names: a row is compared
    # only with those holding a word similar to one of its own (the vocabulary says which, once per word).
    by_day = check.by_day
    for start in range(0, len(dates), _CHUNK):
        chunk = dates[start:start + _CHUNK]
        for cid, name, born in db.execute_sql(
                f"SELECT id, name_folded, birth_date FROM customer WHERE birth_date IN ({', '.join([p] * len(chunk))})",
                chunk).fetchall():
            words = by_day[_date(born)]  # type: ignore[index]
            for word in set((name or "").split()):
                words[word].append((cid, name))
    near = check.near
    by_phone = _holders("SELECT digits, customer_id FROM customer_phone WHERE digits IN ({})",
                        sorted({ph for _, _, phones, _ in rows for ph in phones}))
    by_email = _holders("SELECT email, id FROM customer WHERE email IN ({})", sorted({e for *_, e in rows if e}))
    out: list[list[tuple[int, tuple[str, ...]]]] = []
    for name, born, phones, email in rows:
        found: dict[int, list[str]] = defaultdict(list)
        if born is not None and name:
            words = set(name.split())
            for word in words:
                if word not in near:
                    near[word] = {word} | {other for other, _ in similar_words(word)}
            for day in close_dates(born):
                index = by_day.get(day)
                if not index:
                    continue
                # Only the customers holding a similar word for each word of the row can be similar.
                holders = [{pair for similar in near[word] for pair in index.get(similar, ())} for word in words]
                for cid, other in set.intersection(*holders):
                    if cid not in found and (relation := name_relation(name, other)):
                        found[cid] += [relation, date_relation(born, day)]  # type: ignore[list-item]
        for digits in phones:
            for cid in by_phone.get(digits, ()):
                if "same phone" not in found[cid]:  # i18n: not words
                    found[cid].append("same phone")  # i18n: not words
        for cid in by_email.get(email, ()) if email else ():
            found[cid].append("same e-mail")  # i18n: not words
        out.append(sorted(((cid, tuple(r)) for cid, r in found.items()), key=lambda f: (-score(f[1]), f[0])))
    ids = sorted({cid for matches in out for cid, _ in matches})
    numbers: dict[int, str] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        numbers.update(db.execute_sql(f"SELECT id, number FROM customer WHERE id IN ({', '.join([p] * len(chunk))})",
                                      chunk).fetchall())
    return [[(numbers[cid], reasons) for cid, reasons in matches] for matches in out]


def _holders(sql: str, values: list[str]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for start in range(0, len(values), _CHUNK):
        chunk = values[start:start + _CHUNK]
        for value, cid in db.execute_sql(sql.format(", ".join([db.param] * len(chunk))), chunk).fetchall():
            found[value].append(cid)
    return found
