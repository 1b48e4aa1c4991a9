"""Customer search as you type: one function, index-backed on both backends at a million customers.

What a query matches, best first (the rank; lower is better):

0. the customer number or national ID, exactly (a number merged away finds the record it was merged into);
1. a stored phone, exactly, or ending with the 8 or more digits typed (without its country code), or
   the number typed in the branch's national format ("07911 123456" in GB: see deskapp.db.phones);
2. the whole name, exactly (case and diacritics aside);
3. every word typed is a whole word of the name ("maria silva");
4. every word typed begins a word of the name ("mar sil"); a one-letter word only narrows the
   others, and letters alone find no name (a single letter begins too many names to be useful);
5. the last digits of the national ID, or digits anywhere in a stored phone (4 digits or more; after
   the branch's trunk prefix, too: "07911 1" looks for 79111);
6. a similar name, when the steps above found fewer than FUZZY_WHEN_FEWER customers: every word
   of 3 letters or more typed is a name word at most one typo away, or spelt another way (ü as ue,
   ß as ss, ø as oe, æ as ae, å as aa: "mueller" finds Müller, "jonh" John); shorter words begin
   a word of the name ("jonh s"); in any order ("smiht jonh");
7. the same with up to two typos in words of 7 letters or more, and words under 3 letters left out.

Within a rank, the oldest customer (lowest id) comes first, which keeps paging stable and lets
every step stop after the rows it needs instead of sorting all matches.

Phone digits (rank 5) typed with the country code ("+351 9", "00351 9") only begin a stored
number ("+351 9" finds 3519..., not 2135190...); typed in national format at a branch they begin
one after its country code ("07911 1" in GB: 4479111...), else are looked for anywhere in it,
when fewer than 8 (more are a number's end, rank 1, or its beginning). Beginnings are a range of
the B-tree on the digits (see _phones_beginning).

Names are matched on `customer.name_folded` (lower case, no diacritics, words separated by one
space), written by core with `folded_name` below. SQLite: FTS5 external-content tables kept in
step by triggers (unicode61 for names, trigram for phone digits). PostgreSQL: a GIN index on
to_tsvector('simple', name_folded) for whole words, one on the first 1-3 letters of the name's
words for prefixes (customer_name_prefixes, 0010), a B-tree of (pair of word beginnings,
customer) for two prefixes ("mar silv": customer_name_pair, 0020, read in customer order), and a
pg_trgm GIN index on phone digits. Phone beginnings: B-trees on (digits, customer) and (customer,
digits) on both backends (0020), read without the table.
National ID tails and phone ends are B-tree lookups on the last 4 / last 8 characters
(expression indexes, 0008). User text never reaches a query as syntax: it is folded to word
tokens, each quoted (FTS5) or written as a plain lexeme (tsquery) or array element, and
digits-only or letters-and-digits keys are bound as parameters.

Similar names (ranks 6 and 7) look up the vocabulary of name words (customer_name_word, 0016):
the words sharing enough letter pairs with the typed word's skeleton (see `skeleton`), checked here
with an edit distance counting a swap of two neighbouring letters as one typo. The customers are
then found with the same name indexes as whole words, each typed word standing for its similar
words ("jonh smiht": (john OR jon) AND (smith OR smit)). Candidate words come from the database
and are used only when they are letters and digits, like typed words.

The same vocabulary says how many customers have a name word beginning with each typed word
(fuzzy.prefix_counts): a word that begins none ends the prefix step before any name is read
("ana x" checks no Ana for the x), and on PostgreSQL the rarest long prefix, if rare, is the
index asked. The module is longer than 450 lines because both backends' statements for one
ranking are kept side by side, where a change to one is seen to need the other.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from deskapp.db import phones
from deskapp.db.database import db, is_postgres
from deskapp.db.fuzzy import FUZZY_MIN_WORD, prefix_counts, similar_words

MAX_INPUT = 256  # characters of a query considered; nobody types more into a search box
MAX_WORDS = 6
MAX_WORD = 40
MIN_DIGITS = 4
PROBE = 4_000  # PostgreSQL: oldest customers read in id order before the name index is asked
NAME_PROBE = 500  # SQLite: names a 3-letter prefix streams, checked, before FTS5 is asked for a longer one
PHONE_PROBE = 1_000  # phones read from the index on the digits before a beginning counts as common

# Letters that carry no combining mark to strip but are still "the same letter" to a teller.
_LETTERS = str.maketrans({
    "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th",  # i18n: not words
    "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i", "ħ": "h", "Ħ": "h", "ŧ": "t", "Ŧ": "t",  # i18n: not words
})
_WORD = re.compile(r"[^\W_]+")
_KEY_SEPARATORS = re.compile(r"[\s.\-/]+")
_PHONE_PUNCTUATION = re.compile(r"[\s+\-.()/]+")
_ASCII_DIGITS = re.compile(r"[^0-9]")
_DIGIT = re.compile(r"[0-9]")
_KEY = re.compile(r"[A-Z0-9]{1,32}")

EXACT_KEY, EXACT_PHONE, EXACT_NAME, WHOLE_WORDS, PREFIXES, DIGITS_INSIDE, SIMILAR, LESS_SIMILAR = range(8)
FUZZY_WHEN_FEWER = 5  # similar names are looked for only when the exact steps found fewer customers


def clean(text: str) -> str:
    """The text without control, format, surrogate and unassigned characters (NUL included)."""
    if text.isprintable():  # no character of category C (nor a separator other than space): nothing to drop
        return text
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")


def fold(text: str) -> str:
    """Lower case without diacritics: Müller, MULLER and muller all give 'muller'; Groß gives 'gross'."""
    if text.isascii():  # nothing to decompose or translate
        return text.lower()
    # Every step works character by character, and a space ends any run of combining marks, so
    # the text folds word by word; names repeat their words, which are folded once (an import
    # folds a hundred thousand names made of a few thousand words).
    return " ".join([_fold_word(word) for word in text.split(" ")])


@functools.lru_cache(maxsize=16_384)
def _fold_word(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))  # i18n: not words
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def name_words(text: str) -> list[str]:
    return _WORD.findall(fold(clean(text)))


def folded_name(name: str) -> str:
    """What `customer.name_folded` holds for a name: its folded words separated by one space."""
    return " ".join(name_words(name))


def digits_only(text: str) -> str:
    """ASCII digits of a text, everything else (spaces, '+', dashes, brackets) dropped."""
    return _ASCII_DIGITS.sub("", text)


def id_key(text: str) -> str:
    """A national ID or customer number as stored: upper case, without spaces, dots, dashes or slashes."""
    return _KEY_SEPARATORS.sub("", text).upper()


def search_customers(text: str, limit: int = 20, offset: int = 0, *, region: str | None = None) -> list[tuple[int, int]]:
    """(customer id, rank) of the customers matching `text`, best first; the page [offset, offset+limit).

    `region` is the branch's phone region (config customers.phone_region): with it, a phone typed in
    national format with its trunk prefix ("07911 123456" in GB) finds the stored E.164 number."""
    limit = max(0, min(int(limit), 500))
    offset = max(0, int(offset))
    text = clean(text[:MAX_INPUT]).strip()
    if not text or limit == 0:
        return []
    backend = _Postgres() if is_postgres() else _Sqlite()
    steps: list[tuple[int, Callable[[int], list[int]]]] = []

    key = id_key(text)
    if _KEY.fullmatch(key):
        steps.append((EXACT_KEY, lambda n: backend.exact_key(key, n)))
    if not _PHONE_PUNCTUATION.sub("", _DIGIT.sub("", text)):
        # Digits and phone punctuation only: a phone number, an ID or their last digits.
        whole, runs = phones.search_forms(text, region)
        for phone in whole:
            if len(phone) >= MIN_DIGITS:
                steps.append((EXACT_PHONE, lambda n, phone=phone: backend.phone(phone, n, exact=True)))
        starts, runs = _phone_starts(text, region, runs)
        if starts or runs:
            steps.append((DIGITS_INSIDE, lambda n: _phone_digits(backend, starts, runs, n)))
        if len(key) >= MIN_DIGITS and _KEY.fullmatch(key):
            steps.append((DIGITS_INSIDE, lambda n: backend.id_suffix(key, n)))
    else:
        words = [w[:MAX_WORD] for w in name_words(text)[:MAX_WORDS]]
        if words:
            whole = " ".join(words)
            steps.append((EXACT_NAME, lambda n: backend.exact_name(whole, n)))
            vocabulary = _Vocabulary(words)
            steps.append((WHOLE_WORDS, lambda n: _whole_words(backend, words, n, vocabulary)))
            steps.append((PREFIXES, lambda n: _prefixes(backend, words, n, vocabulary)))
            if any(len(w) >= FUZZY_MIN_WORD for w in words):
                similar = _Similar(words, backend, vocabulary)
                steps.append((SIMILAR, lambda n: similar.find(n, near=True)))
                steps.append((LESS_SIMILAR, lambda n: similar.find(n, near=False)))
        if len(key) >= MIN_DIGITS and _KEY.fullmatch(key) and any(c.isdigit() for c in key):
            steps.append((DIGITS_INSIDE, lambda n: backend.id_suffix(key, n)))
    return _merge(steps, offset + limit)[offset:]


def _merge(steps: list[tuple[int, Callable[[int], list[int]]]], wanted: int) -> list[tuple[int, int]]:
    """The first `wanted` distinct ids over the steps in rank order, each id at its best rank.

    A step asked for `wanted + len(found)` rows yields at least `wanted` new ones unless it runs
    out, since at most len(found) of them were found before; so no step reads more than a page
    or two of rows, however many customers match.
    """
    found: dict[int, int] = {}
    for rank, step in sorted(steps, key=lambda s: s[0]):
        if len(found) >= wanted and max(found.values()) < rank:
            break
        if rank >= SIMILAR and len(found) >= FUZZY_WHEN_FEWER:
            break
        for customer_id in step(wanted + len(found)):
            found.setdefault(customer_id, rank)
    return sorted(found.items(), key=lambda item: (item[1], item[0]))[:wanted]


class _Vocabulary:
    """The vocabulary counts of a query's words (see fuzzy.prefix_counts), asked once, when needed."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self._counts: dict[str, tuple[int, int]] | None = None
        self._asked = False

    def counts(self) -> dict[str, tuple[int, int]] | None:
        if not self._asked:
            self._counts, self._asked = prefix_counts(self.words), True
        return self._counts

    def begins_no_word(self, words: list[str]) -> bool:
        """Whether one of `words` begins no name word of any customer: then no name matches them."""
        counts = self.counts()
        return counts is not None and any(counts[w][0] == 0 for w in words)

    def is_no_word(self, words: list[str]) -> bool:
        """Whether one of `words` is no name word of any customer: then no name holds them all whole."""
        counts = self.counts()
        return counts is not None and any(counts[w][0] == counts[w][1] for w in words)

    def begins_only_itself(self, words: list[str]) -> bool:
        """Whether each of `words` begins no longer name word: then they begin the words they are."""
        counts = self.counts()
        return counts is not None and all(counts[w][1] == 0 for w in words)


def _whole_words(backend, words: list[str], n: int, vocabulary: _Vocabulary) -> list[int]:
    """Rank 3: every word typed is a whole word of the name. On PostgreSQL a typed word that is no
    name word ("mar silv", typed on the way: "mar" begins Maria but is no name) ends the step before
    the oldest customers are probed (see _probed: thousands of names read and split into words); the
    vocabulary is asked anyway by the prefix step that follows."""
    if backend.asks_vocabulary_first and vocabulary.is_no_word(words):
        return []
    return backend.words(words, n, prefix=False)


def _prefixes(backend, words: list[str], n: int, vocabulary: _Vocabulary) -> list[int]:
    """Rank 4: every word typed begins a word of the name. A word that begins none in the
    vocabulary ("ana x", "silvx") ends the step before any name is read: otherwise every name
    that the other words begin ("ana") would be checked for it. Nor does a full name typed whole,
whose words begin no longer name word, look again for what WHOLE_WORDS found."""
    if all(len(w) < 2 for w in words) or vocabulary.begins_no_word(words):
        return []
    if vocabulary.begins_only_itself(words):
        return []  # the names holding every word whole: found by the step before (a full name, typed)
    return backend.words(words, n, prefix=True, counts=vocabulary.counts())


class _Similar:
    """The similar-name steps of one query: each typed word of FUZZY_MIN_WORD letters or more
    stands for its similar words; shorter ones begin a word of the name."""

    def __init__(self, words: list[str], backend, vocabulary: _Vocabulary) -> None:
        self.words = words
        self.backend = backend
        self.vocabulary = vocabulary
        self._groups: list[list[tuple[str, int]]] | None = None

    def groups(self) -> list[list[tuple[str, int]]]:
        if self._groups is None:
            self._groups = [similar_words(w) for w in self.words if len(w) >= FUZZY_MIN_WORD]
        return self._groups

    def find(self, n: int, *, near: bool) -> list[int]:
        groups = self.groups()
        starts = [w for w in self.words if len(w) < FUZZY_MIN_WORD]
        if near:
            if starts and self.vocabulary.begins_no_word(starts):
                return []  # "ana x": no name has a word beginning with x
            groups = [[w for w, typos in group if typos <= 1] for group in groups]
        else:
            if not starts and all(typos <= 1 for group in groups for _, typos in group):
                return []  # the same words as the nearer step: nothing more to find
            groups = [[w for w, _ in group] for group in groups]
            starts = []  # a short word may be mistyped too ("na" for "ana"): here it is left out
        if not groups or not all(groups):
            return []
        return self.backend.similar(groups, starts, n)


def _ids(sql: str, params: tuple) -> list[int]:
    return [row[0] for row in db.execute_sql(sql, params).fetchall()]


class _Sqlite:
    asks_vocabulary_first = False  # FTS5 answers a word no name holds at once

    def exact_key(self, key: str, n: int) -> list[int]:
        return _ids("SELECT coalesce(merged_into_id, id) FROM customer WHERE number = ? OR national_id = ? "
                    "ORDER BY id LIMIT ?", (key, key, n))

    def exact_name(self, folded: str, n: int) -> list[int]:
        return _ids("SELECT id FROM customer WHERE name_folded = ? ORDER BY id LIMIT ?", (folded, n))

    def words(self, words: list[str], n: int, *, prefix: bool, counts: dict[str, tuple[int, int]] | None = None) -> list[int]:
        # Each word is a quoted FTS5 string (it holds no quote: words are letters and digits),
        # so nothing typed is ever read as FTS5 syntax (AND, NEAR, *, -, column filters ...).
        if not prefix:
            match = " ".join(f'"{w}"' for w in words)
            return _ids(
                "SELECT rowid FROM customer_name_fts WHERE customer_name_fts MATCH ? ORDER BY rowid LIMIT ?", (match, n)
            )
        # A prefix longer than the FTS5 prefix indexes (2 and 3 characters) makes FTS5 merge the
        # lists of every word it begins before returning the first row ("mari" reads every Maria
        # and Mariana). So the index is asked for the first 3 characters of each word, which it
        # streams in id order, and the whole prefixes are checked on the names it yields, until
        # n are found: at most NAME_PROBE of them, since a longer prefix that begins none of them
        # ("silvx" after every "sil") is rare, and FTS5 merges the lists of few words for it.
        # One-letter words are only checked (see _prefix_plan).
        indexed, checked = _prefix_plan(words)
        if not indexed:
            return []
        match = " ".join(f'"{w}"*' for w in indexed)
        found = self._checked(match, checked, n, NAME_PROBE)
        if len(found) >= n or not any(len(w) > 3 for w in words) or not self._streams_more(match, NAME_PROBE):
            return found
        whole = " ".join(f'"{w}"*' for w in dict.fromkeys(w for w in words if len(w) > 1))
        return self._checked(whole, [w for w in words if len(w) == 1], n, -1)

    def _checked(self, match: str, checked: list[str], n: int, probe: int) -> list[int]:
        """The first n of the first `probe` names (-1: all) FTS5 streams for `match`, checked with LIKE."""
        like = "".join(" AND ' ' || c.name_folded LIKE ?" for _ in checked)
        return _ids(
            "SELECT c.id FROM (SELECT rowid AS id FROM customer_name_fts WHERE customer_name_fts MATCH ? "  # i18n: not words
            f"ORDER BY rowid LIMIT ?) f CROSS JOIN customer c ON c.id = f.id WHERE 1{like} LIMIT ?",
            (match, probe, *[f"% {w}%" for w in checked], n),
        )

    def _streams_more(self, match: str, probe: int) -> bool:
        """Whether FTS5 streams `probe` names or more for `match` (then a probe saw only some)."""
        return db.execute_sql("SELECT count(*) FROM (SELECT rowid FROM customer_name_fts WHERE customer_name_fts "
                              "MATCH ? LIMIT ?)", (match, probe)).fetchone()[0] >= probe

    def phone(self, digits: str, n: int, *, exact: bool) -> list[int]:
        if exact:
            where, params = _phone_end(digits, "substr(digits, -{n})")  # i18n: not words
            return _ids(f"SELECT DISTINCT customer_id FROM customer_phone WHERE {where} ORDER BY customer_id LIMIT ?",  # i18n: not words
                        (*params, n))
        # Digits anywhere: the trigram index finds the phones holding them.
        return _ids(
            "SELECT DISTINCT p.customer_id FROM customer_phone_fts f JOIN customer_phone p ON p.id = f.rowid "
            "WHERE customer_phone_fts MATCH ? ORDER BY p.customer_id LIMIT ?",
            (f'"{digits}"', n),
        )

    def phone_start(self, start: str, n: int) -> list[int]:
        return _phones_beginning(start, n, unindexed="+{}")

    def id_suffix(self, key: str, n: int) -> list[int]:
        # The index on the last 4 characters narrows to a few customers; the whole tail is checked on them.
        return _ids(
            "SELECT id FROM customer WHERE substr(national_id, -4) = ? AND substr(national_id, -?) = ? "
            "ORDER BY id LIMIT ?",
            (key[-4:], len(key), key, n),
        )


    def similar(self, groups: list[list[str]], starts: list[str], n: int) -> list[int]:
        # Every group holds words of letters and digits only (see similar_words): quoted, they are
        # plain FTS5 strings.
        match = " AND ".join("(" + " OR ".join(f'"{w}"' for w in group) + ")" for group in groups)
        if not starts:
            return _ids("SELECT rowid FROM customer_name_fts WHERE customer_name_fts MATCH ? ORDER BY rowid LIMIT ?",
                        (match, n))
        like = "".join(" AND ' ' || c.name_folded LIKE ?" for _ in starts)
        return _ids(
            "SELECT c.id FROM customer_name_fts f JOIN customer c ON c.id = f.rowid "  # i18n: not words
            f"WHERE customer_name_fts MATCH ?{like} ORDER BY f.rowid LIMIT ?",
            (match, *[f"% {w}%" for w in starts], n),
        )


def _prefix_plan(words: list[str]) -> tuple[list[str], list[str]]:
    """For a prefix search: what the index is asked (first 3 characters of each word of 2 or more)
    and which whole prefixes are then checked on the names ('% mari%': a word begins with "mari").

    A lone letter begins too many names to be worth an index lookup (on 1,000,000 customers "m"
    alone costs a whole merge); it narrows what the longer words found. Letters alone find no name.
    """
    indexed = list(dict.fromkeys(w[:3] for w in words if len(w) >= 2))
    checked = [w for w in words if len(w) == 1 or len(w) > 3]
    return indexed, checked


def _phone_end(digits: str, tail: str) -> tuple[str, tuple]:
    """A phone that is the digits typed, or (8 digits or more) ends with them: the number without its
    country code. Both are B-tree lookups: on the digits, or on the index over their last 8.
    `tail` is the backend's "last N characters" expression, with {n} for N."""
    p = db.param
    if len(digits) < 8:
        return f"digits = {p}", (digits,)  # i18n: not words
    return (f"{tail.format(n='8')} = {p} AND {tail.format(n=p)} = {p}", (digits[-8:], len(digits), digits))  # i18n: not words


_TSQUERY = "to_tsvector('simple'::regconfig, name_folded) @@ to_tsquery('simple'::regconfig, %s)"  # i18n: not words


def _phone_starts(text: str, region: str | None, runs: list[str]) -> tuple[list[str], list[str]]:
    """(E.164 beginnings, digit runs) to look for in stored phones, each of MIN_DIGITS digits or more.

    A number typed with its country code ('+351 9', '00351 9') can only be the beginning of a stored
    E.164 number: it is not looked for inside numbers ('+351 9' does not find 213519000). One typed
    in national format at a branch begins a number (phones.e164_starts) or may be digits inside one
    (its last digits, a number abroad), unless 8 digits or more were typed: those are a number's end
    (EXACT_PHONE) or its beginning. Without a region, digits are only looked for inside numbers.
    """
    starts = phones.e164_starts(text, region, MIN_DIGITS)
    if phones.is_international(text):
        return starts, []
    if not region:
        return [], [r for r in runs if len(r) >= MIN_DIGITS]
    return starts, [r for r in runs if MIN_DIGITS <= len(r) < 8]


def _phone_digits(backend, starts: list[str], runs: list[str], n: int) -> list[int]:
    """Customers with a phone beginning with one of `starts`, then (if fewer than n) holding one of
    `runs`: the cheap, anchored lookup first, so a common beginning ('+351 9') fills the page alone."""
    found: dict[int, None] = {}
    for start in starts:
        found.update(dict.fromkeys(backend.phone_start(start, n)))
    for run in runs:
        if len(found) >= n:
            break
        found.update(dict.fromkeys(backend.phone(run, n, exact=False)))
    return list(found)


def _phones_beginning(start: str, n: int, *, unindexed: str) -> list[int]:
    """The first n customers (by id) with a phone whose digits begin with `start`, reading a page's
    worth of rows however many phones begin so: a rare beginning (PHONE_PROBE phones or fewer) is
    read whole from the index on the digits; a common one ('3519': every mobile in Portugal) is
    looked for in customer order, where n turn up within about n / PHONE_PROBE of the table.
    `unindexed` is the backend's digits that no index serves ({} for the column)."""
    p = db.param
    low, high = _digit_range(start)
    where, params = (f"{{}} >= {p} AND {{}} < {p}", (low, high)) if high else (f"{{}} >= {p}", (low,))  # i18n: not words
    rows = _ids(f"SELECT customer_id FROM customer_phone WHERE {where.format('digits', 'digits')} "  # i18n: not words
                f"ORDER BY digits LIMIT {p}", (*params, PHONE_PROBE + 1))
    if len(rows) <= PHONE_PROBE:
        return sorted(set(rows))[:n]
    column = unindexed.format("digits")
    return _ids(f"SELECT customer_id FROM customer_phone WHERE {where.format(column, column)} "  # i18n: not words
                f"GROUP BY customer_id ORDER BY customer_id LIMIT {p}", (*params, n))


def _digit_range(start: str) -> tuple[str, str | None]:
    """The strings of digits beginning with `start` are those >= start and < the returned upper bound
    ('3519' -> '352', '3599' -> '36'; None: no upper bound, for a start of nines)."""
    stem = start.rstrip("9")
    return start, (stem[:-1] + chr(ord(stem[-1]) + 1)) if stem else None


def _rare_prefix(words: list[str]) -> str | None:
    """PostgreSQL: a typed prefix over 3 letters that begins no name word among the PROBE oldest
    customers, if any: the name index to ask for a rare match instead of the first-letters keys.

    The keys (0010) find every name of a common start ("sil"), which the longer prefix then
    filters: all of them read for one that begins no name ("silvx": 100 ms). The tsvector index
    reads only the names with a word the prefix begins: none for "silvx", few for a rare one."""
    long = list(dict.fromkeys(w for w in words if len(w) > 3))
    if not long:
        return None
    counts = db.execute_sql(
        "SELECT " + ", ".join(["count(*) FILTER (WHERE ' ' || name_folded LIKE %s)"] * len(long))  # i18n: not words
        + " FROM (SELECT name_folded FROM customer ORDER BY id LIMIT %s) oldest",  # i18n: not words
        (*[f"% {w}%" for w in long], PROBE)).fetchone()
    count, rarest = min(zip(counts, long))
    return None if count else rarest


RARE = 500  # PostgreSQL: customers a prefix may begin a word of and still be asked of the tsvector index


def _rarest(words: list[str], counts: dict[str, tuple[int, int]]) -> str | None:
    """PostgreSQL: the typed prefix over 3 letters that begins the words of the fewest customers,
    when they are RARE or fewer (from the vocabulary: see _vocabulary_counts): the tsvector index
    reads only those names, where the first-letters keys would read every name of a common start
    ("sil" for "silvx")."""
    long = [w for w in dict.fromkeys(words) if len(w) > 3]
    if not long:
        return None
    rarest = min(long, key=lambda w: counts[w][0])
    return rarest if counts[rarest][0] <= RARE else None


def _ids_serial(sql: str, params: tuple) -> list[int]:
    """PostgreSQL: _ids, planned without parallel workers. The planner guesses that a prefix
    matches 2% of the names whatever it is, and starting workers for that costs 10 ms or more,
    many times what a rare prefix takes."""
    with db.atomic():
        db.execute_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        return _ids(sql, params)


class _Postgres:
    # "ORDER BY id + 0" keeps the planner on the GIN, trigram and tail indexes: ordered by the bare id,
    # it may walk the primary key and test every customer, which for a rare match is all of them. That
    # happens above all with the generic plan of a statement psycopg prepared after a few runs, which
    # knows neither the value nor the LIMIT.
    asks_vocabulary_first = True  # see _whole_words
    def exact_key(self, key: str, n: int) -> list[int]:
        return _ids("SELECT coalesce(merged_into_id, id) FROM customer WHERE number = %s OR national_id = %s "
                    "ORDER BY id LIMIT %s", (key, key, n))

    def exact_name(self, folded: str, n: int) -> list[int]:
        return _ids("SELECT id FROM customer WHERE name_folded = %s ORDER BY id + 0 LIMIT %s", (folded, n))

    def words(self, words: list[str], n: int, *, prefix: bool, counts: dict[str, tuple[int, int]] | None = None) -> list[int]:
        # Words are letters and digits only, so quoting them as lexemes leaves no tsquery syntax
        # and a LIKE pattern no wildcard.
        if prefix and all(len(w) < 2 for w in words):
            return []  # letters alone find no name (see _prefix_plan)
        if prefix:
            # A rare prefix (the vocabulary says so): the tsvector index reads only its few names.
            # Else two words of different first letters: the B-tree of name pairs (0020) reads
            # the page in customer order. Else the index of the first one, two and three letters
            # of name words (0010), whose exact keys need no prefix scan of the tsvector index
            # (which reads every entry a prefix begins). LIKE checks the whole prefixes.
            rare = _rare_prefix(words) if counts is None else _rarest(words, counts)
            pair = None if rare or counts is None else _pair(words, counts)
            if pair is not None:
                return _paired(pair, words, n)
            starts = list(dict.fromkeys(w[:3] for w in words))
            index_sql, index_params = "customer_name_prefixes(name_folded) @> %s::text[]", [starts]  # i18n: not words
            if rare:
                index_sql, index_params = _TSQUERY, [f"'{rare}':*"]
            likes = [f"% {w}%" for w in words]
        else:
            rare = None
            index_sql, index_params = _TSQUERY, [" & ".join(f"'{w}'" for w in words)]
            likes = [f"% {w} %" for w in words]
        like_sql = " AND ".join(["' ' || name_folded || ' ' LIKE %s"] * len(likes))
        words_sql = f"{index_sql} AND {like_sql}"  # i18n: not words
        params = (*index_params, *likes)
        # Probed in id order first (see _probed). For prefixes the LIKEs say it all (the index keys
        # are the words' first letters, split on the same spaces): the probe computes no keys.
        probe_sql, probe_params = (like_sql, likes) if prefix else (words_sql, params)
        return _probed(probe_sql, probe_params, words_sql, params, n, serial=bool(rare))

    def phone(self, digits: str, n: int, *, exact: bool) -> list[int]:
        if exact:
            where, params = _phone_end(digits, "right(digits, {n})")  # i18n: not words
            return _ids(f"SELECT DISTINCT customer_id + 0 AS c FROM customer_phone WHERE {where} ORDER BY c LIMIT %s",  # i18n: not words
                        (*params, n))
        # Digits hold no LIKE wildcard; the trigram index serves '%digits%'.
        return _ids(
            "SELECT DISTINCT customer_id + 0 AS c FROM customer_phone WHERE digits LIKE %s ORDER BY c LIMIT %s",
            ("%" + digits + "%", n),
        )

    def phone_start(self, start: str, n: int) -> list[int]:
        return _phones_beginning(start, n, unindexed="({} || '')")

    def id_suffix(self, key: str, n: int) -> list[int]:
        # The index on the last 4 characters narrows to a few customers; the whole tail is checked on them.
        return _ids(
            "SELECT id FROM customer WHERE right(national_id, 4) = %s AND right(national_id, %s) = %s "
            "ORDER BY id + 0 LIMIT %s",
            (key[-4:], len(key), key, n),
        )

    def similar(self, groups: list[list[str]], starts: list[str], n: int) -> list[int]:
        # Words of letters and digits only (see similar_words): plain lexemes and array elements.
        # Similar words are often common ones ("ana" for "anna"): probed in id order first, like words.
        query = " & ".join("(" + " | ".join(f"'{w}'" for w in group) + ")" for group in groups)
        check = " AND ".join(["string_to_array(name_folded, ' ') && %s::text[]"] * len(groups)
                             + ["' ' || name_folded LIKE %s"] * len(starts))
        check_params = (*groups, *[f"% {w}%" for w in starts])
        return _probed(check, check_params, f"{_TSQUERY} AND {check}", (query, *check_params), n)  # i18n: not words


def _pair(words: list[str], counts: dict[str, tuple[int, int]]) -> str | None:
    """PostgreSQL: the key of customer_name_pair (0020) that two typed prefixes give, if any: the
    first 3 letters of each, sorted, joined by a space. A prefix of fewer than 3 letters begins
    several keys ("ma": mar, mat ...), so only longer ones count; two with the same first letters
    may both begin one word of the name ("mar mari": Mariana), so the two keys differ. The keys of
    the two rarest prefixes by the vocabulary counts."""
    usable = sorted((w for w in dict.fromkeys(words) if len(w) >= 3), key=lambda w: counts[w][0])
    keys = list(dict.fromkeys(w[:3] for w in usable))
    return " ".join(sorted(keys[:2])) if len(keys) >= 2 else None


def _paired(pair: str, words: list[str], n: int) -> list[int]:
    """PostgreSQL: the first n customers (by id) holding `pair` whose names every typed word
    begins a word of: one range of the B-tree (pair, customer_id) read in customer order, each
    name checked, stopping at n; so a page's reading, not every customer of each word. And the
    names with too many words for their pairs (the pair "", see 0020)."""
    likes = [f"% {w}%" for w in words]
    like_sql = " AND ".join(["' ' || c.name_folded LIKE %s"] * len(likes))
    one = ("(SELECT c.id FROM customer_name_pair p JOIN customer c ON c.id = p.customer_id "  # i18n: not words
           f"WHERE p.pair = %s AND {like_sql} ORDER BY p.customer_id LIMIT %s)")
    return _ids(f"SELECT id FROM ({one} UNION {one}) found ORDER BY id LIMIT %s",  # i18n: not words
                (pair, *likes, n, "", *likes, n, n))


def _probed(probe_sql: str, probe_params: tuple, where_sql: str, params: tuple, n: int, *,
            serial: bool = False) -> list[int]:
    """PostgreSQL: the first n customers (by id) that match `where_sql`, an index condition and
    checks; `probe_sql`, the checks alone, says the same of a customer.

    A common word or prefix ("mar") matches a large share of customers, and the GIN index would
    hand over every one of them to be fetched and sorted. The oldest customers, read in id order
    and checked with the cheap LIKE first, give the first n of a common match at once; when they
    are not there the match is rare (under n in PROBE rows) and the index is quick. One statement
    asks both, saving a round trip: the probe, then the index for the matches after those oldest
    customers, whose LIMIT is 0 when the probe found n (a Limit of 0 never starts its scan,
    parallel workers included). The statement begins with SELECT, so a lost connection repeats
    it once like any read."""
    return sorted((_ids_serial if serial else _ids)(
        "SELECT id FROM (WITH probe AS MATERIALIZED (SELECT id FROM (SELECT id, name_folded FROM customer "  # i18n: not words
        f"ORDER BY id LIMIT %s) oldest WHERE {probe_sql} ORDER BY id LIMIT %s) SELECT id FROM probe UNION ALL "
        "(SELECT id FROM customer WHERE id + 0 > (SELECT coalesce(max(id), 0) FROM (SELECT id FROM customer "
        f"ORDER BY id LIMIT %s) edge) AND {where_sql} ORDER BY id + 0 "
        "LIMIT CASE WHEN (SELECT count(*) FROM probe) < %s THEN %s ELSE 0 END)) found",
        (PROBE, *probe_params, n, PROBE, *params, n, n),
    ))[:n]
