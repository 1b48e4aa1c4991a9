"""Similar words: the name words on file within a typo or two of a typed word, or spelt another way.

Used by deskapp.db.search (similar names, ranks 6 and 7) and deskapp.core.customers.duplicates.
A word's skeleton writes other spellings of the same letters one way (see SPELLINGS); the
vocabulary of name words and their skeletons' letter pairs (customer_name_word,
customer_name_gram) is kept by the triggers of migration 0016. The look-up reads the words sharing
enough letter pairs with the typed word's skeleton and checks each with an edit distance that
counts a swap of two neighbouring letters as one typo (the "optimal string alignment" distance).
"""
from __future__ import annotations

import re

from deskapp.db.database import db, is_postgres

FUZZY_MIN_WORD = 3  # shorter words typed are not corrected: they begin a word of the name
MAX_WORD = 40
SIMILAR_WORDS = 12  # similar words looked for per typed word, the closest and commonest first
_VOCABULARY_READ = 400  # candidate words read per typed word before their edit distance is checked
# Other spellings of the same letters (ü/ue, ö/oe, ä/ae, æ/ae, ø/oe, å/aa, ß/ss, once folded):
# a word's skeleton writes each the short way. 0016 writes the same replacements in SQL.
SPELLINGS = (("ue", "u"), ("oe", "o"), ("ae", "a"), ("aa", "a"), ("ss", "s"))
_WORD = re.compile(r"[^\W_]+")


def skeleton(word: str) -> str:
    """A folded word with other spellings of the same letters written one way: "mueller" and
    "muller" (Müller) give "muller", "gross" (Groß) and "gros" give "gros"."""
    for written, key in SPELLINGS:
        word = word.replace(written, key)
    return word


def max_typos(word: str) -> int:
    """Typos forgiven in a word of this length: none under 3 letters, one under 7, else two."""
    return 0 if len(word) < FUZZY_MIN_WORD else 1 if len(word) < 7 else 2


def typo_distance(a: str, b: str, limit: int) -> int:
    """Edits (a letter changed, added or dropped, or two neighbours swapped) from a to b; any
    number above `limit` is given as limit + 1, found without finishing the table."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if a == b:
        return 0
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            best = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, before[j - 2] + 1)
            row[j] = best
        if min(row) > limit:
            return limit + 1
        before, previous = previous, row
    return min(previous[-1], limit + 1)


def _grams(key: str) -> list[str]:
    """The pairs of letters of a skeleton padded with a space each side (as 0016 stores them)."""
    padded = f" {key} "
    return sorted({padded[i:i + 2] for i in range(len(key) + 1)})


def similar_words(word: str, typos: int | None = None) -> list[tuple[str, int]]:
    """(name word on file, typos) for the words of stored names within `typos` (max_typos by
    default) of `word` once both are written as skeletons, closest first, then the words most
    names hold; at most SIMILAR_WORDS. The word itself is among them when a name holds it."""
    typos = max_typos(word) if typos is None else typos
    key = skeleton(word)
    p = db.param
    if typos == 0:
        rows = db.execute_sql(
            f"SELECT word, skeleton, customers FROM customer_name_word WHERE skeleton = {p}", (key,)).fetchall()
    else:
        grams = _grams(key)
        # Each typo changes at most 2 of the padded letter pairs (3 for a swap), so a word within
        # `typos` shares at least this many with the typed one (one fewer: a typo may make or
        # break another spelling, "mulaer" is "mular" as a skeleton).
        shared = max(1, len(grams) - 3 * typos - 1)
        rows = db.execute_sql(
            "SELECT w.word, w.skeleton, w.customers FROM customer_name_gram g "  # i18n: not words
            "JOIN customer_name_word w ON w.id = g.word_id "
            f"WHERE g.gram IN ({', '.join([p] * len(grams))}) AND w.size BETWEEN {p} AND {p} "
            f"GROUP BY w.id, w.word, w.skeleton, w.customers HAVING count(*) >= {p} "
            f"ORDER BY count(*) DESC, w.customers DESC LIMIT {p}",
            (*grams, len(key) - typos - 1, len(word) + typos, shared, _VOCABULARY_READ)).fetchall()
    found = []
    for other, other_key, customers in rows:
        if not _WORD.fullmatch(other) or len(other) > 2 * MAX_WORD:
            continue  # written by another client: never let it reach a query as syntax
        distance = min(typo_distance(key, other_key, typos), typo_distance(word, other, typos))
        if distance <= typos:
            found.append((distance, -customers, other))
    return [(other, distance) for distance, _, other in sorted(found)[:SIMILAR_WORDS]]


VOCABULARY_CAP = 200  # vocabulary words summed per typed prefix; past them a prefix counts as common


def prefix_counts(words: list[str]) -> dict[str, tuple[int, int]] | None:
    """For each typed word, how many customers' name words begin with it, and how many of those
    are longer than it, from the vocabulary of name words (customer_name_word, 0016, kept by
    triggers in the same transaction as the names). (0, 0): no name word begins with it, so no
    name can match; (c, 0): only the whole word does, so a prefix finds what the word finds. A
    range of its B-tree on the word, at most VOCABULARY_CAP words per prefix (a larger count only
    means "common").

    None when the range is not exact: a PostgreSQL database whose collation does not sort by code
    point (then words beginning with a prefix need not lie between it and its successor)."""
    if not words or not _code_point_order():
        return None
    p = db.param
    ranges = [(w, w[:-1] + chr(ord(w[-1]) + 1)) for w in dict.fromkeys(words)]
    if any(0xD800 <= ord(high[-1]) <= 0xDFFF for _, high in ranges):
        return None
    begun = (f"(SELECT word, customers FROM customer_name_word WHERE word >= {p} AND word < {p} "  # i18n: not words
             f"LIMIT {VOCABULARY_CAP}) v")
    row = db.execute_sql(
        "SELECT " + ", ".join([f"(SELECT coalesce(sum(customers), 0) FROM {begun}), "  # i18n: not words
                               f"(SELECT coalesce(sum(customers), 0) FROM {begun} WHERE word <> {p})"] * len(ranges)),
        [v for w, high in ranges for v in (w, high, w, high, w)]).fetchone()
    return {w: (int(row[2 * i]), int(row[2 * i + 1])) for i, (w, _) in enumerate(ranges)}


_ORDERED: dict[str, bool] = {}


def _code_point_order() -> bool:
    """Whether text compares by code point in the database: SQLite's BINARY collation, or a
    PostgreSQL database with the C (POSIX, C.UTF-8) collation of the libc provider."""
    if not is_postgres():
        return True
    name = str(db.database)
    if name not in _ORDERED:
        row = db.execute_sql("SELECT datcollate, to_jsonb(d) ->> 'datlocprovider' FROM pg_database d "
                             "WHERE datname = current_database()").fetchone()
        _ORDERED[name] = bool(row) and row[0] in ("C", "POSIX", "C.UTF-8", "C.utf8") and row[1] in (None, "c")  # i18n: not words
    return _ORDERED[name]
