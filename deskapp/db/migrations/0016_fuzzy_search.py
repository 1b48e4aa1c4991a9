"""Typo-tolerant name search: the words of every name, and the letter pairs of each word's skeleton.

- customer_name_word: each distinct word of `customer.name_folded` once, with its skeleton (the
  word with ue, oe, ae, aa, ss written u, o, a, a, s, so "mueller" and "muller" (Müller) or "gross"
  and "gros" are one) and how many customers' names hold it; a word no name holds any more is
  deleted (erasing a name leaves none of its words behind);
- customer_name_gram: the pairs of letters of each skeleton padded with one space each side
  (" muller " gives " m", "mu", "ul", ... "r "), the key of the typo-tolerant look-up of words
  (deskapp.db.search.similar_words), which then checks each candidate's edit distance.

Both are kept by triggers on customer (and on customer_name_word for the letter pairs), built from
built-in functions only, so any client's writes keep them current, like the full-text indexes.
A customer's words are read from name_folded split on single spaces; SQLite, without a split
function in triggers, reads the word starts with a table of positions (1..512: a name's first 512
characters). The vocabulary is small (a million customers carry a few ten thousand distinct
words), so the look-up costs about the same whatever the number of customers. Existing names are
read once here. On PostgreSQL a desk saving a name waits for another transaction saving a name
with a word in common (an import's batch) to commit: each word's count is one row.
"""
from peewee import PostgresqlDatabase

POSITIONS = 512
GRAM_POSITIONS = 62  # letter pairs of a skeleton's first 61 characters


def _skeleton(expr: str) -> str:
    out = expr
    for written, key in (("ue", "u"), ("oe", "o"), ("ae", "a"), ("aa", "a"), ("ss", "s")):
        out = f"replace({out}, '{written}', '{key}')"
    return out


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)


def _sqlite(db):
    def words(name: str, source: str = "fuzzy_position", extra: str = "") -> str:
        # Words of a name held in `name`: each position that begins a word, up to the next space.
        return (f"SELECT DISTINCT {extra}substr({name}, n, CASE instr(substr({name}, n), ' ') WHEN 0 "
                f"THEN length({name}) - n + 1 ELSE instr(substr({name}, n), ' ') - 1 END) AS word "
                f"FROM {source} WHERE n <= length({name}) AND substr({name}, n, 1) <> ' ' "
                f"AND (n = 1 OR substr({name}, n - 1, 1) = ' ')")

    def add(name: str) -> str:
        return (f"INSERT INTO customer_name_word(word, skeleton, size, customers) SELECT word, "
                f"{_skeleton('word')}, length({_skeleton('word')}), 1 FROM ({words(name)}) WHERE true "
                "ON CONFLICT(word) DO UPDATE SET customers = customers + 1;")

    def remove(name: str) -> str:
        return (f"UPDATE customer_name_word SET customers = customers - 1 WHERE word IN ({words(name)}); "
                f"DELETE FROM customer_name_word WHERE customers <= 0 AND word IN ({words(name)});")

    for statement in (
        "CREATE TABLE fuzzy_position (n INTEGER PRIMARY KEY)",
        f"WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < {POSITIONS}) "
        "INSERT INTO fuzzy_position(n) SELECT n FROM p",
        "CREATE TABLE customer_name_word (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE, "
        "skeleton TEXT NOT NULL, size INTEGER NOT NULL, customers INTEGER NOT NULL)",
        "CREATE TABLE customer_name_gram (gram TEXT NOT NULL, word_id INTEGER NOT NULL, "
        "PRIMARY KEY (gram, word_id)) WITHOUT ROWID",
        "CREATE INDEX customer_name_gram_word ON customer_name_gram (word_id)",
        "CREATE INDEX customer_email ON customer (email)",
        f"""CREATE TRIGGER customer_name_word_insert AFTER INSERT ON customer_name_word BEGIN
              INSERT OR IGNORE INTO customer_name_gram(gram, word_id)
                SELECT substr(' ' || new.skeleton || ' ', n, 2), new.id FROM fuzzy_position
                WHERE n <= length(new.skeleton) + 1 AND n <= {GRAM_POSITIONS};
            END""",
        """CREATE TRIGGER customer_name_word_delete AFTER DELETE ON customer_name_word BEGIN
             DELETE FROM customer_name_gram WHERE word_id = old.id;
           END""",
        # Existing names, before the triggers that keep them.
        f"INSERT INTO customer_name_word(word, skeleton, size, customers) SELECT word, {_skeleton('word')}, "
        f"length({_skeleton('word')}), count(*) FROM "
        f"({words('c.name_folded', 'customer c, fuzzy_position', 'c.id, ')}) GROUP BY word",
        f"CREATE TRIGGER customer_words_insert AFTER INSERT ON customer BEGIN {add('new.name_folded')} END",
        f"CREATE TRIGGER customer_words_delete AFTER DELETE ON customer BEGIN {remove('old.name_folded')} END",
        "CREATE TRIGGER customer_words_update AFTER UPDATE OF name_folded ON customer "
        f"WHEN old.name_folded IS NOT new.name_folded BEGIN {remove('old.name_folded')} {add('new.name_folded')} END",
    ):
        db.execute_sql(statement)


def _postgres(db):
    for statement in (
        "CREATE FUNCTION customer_name_skeleton(word text) RETURNS text LANGUAGE sql IMMUTABLE STRICT "
        f"PARALLEL SAFE AS $$ SELECT {_skeleton('word')} $$",
        "CREATE TABLE customer_name_word (id serial PRIMARY KEY, word text NOT NULL UNIQUE, "
        "skeleton text NOT NULL, size integer NOT NULL, customers integer NOT NULL)",
        "CREATE TABLE customer_name_gram (gram text NOT NULL, word_id integer NOT NULL "
        "REFERENCES customer_name_word ON DELETE CASCADE, PRIMARY KEY (gram, word_id))",
        "CREATE INDEX customer_name_gram_word ON customer_name_gram (word_id)",
        "CREATE INDEX customer_email ON customer (email)",
        f"""CREATE FUNCTION customer_name_word_grams() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO customer_name_gram(gram, word_id)
                SELECT DISTINCT substr(' ' || NEW.skeleton || ' ', n, 2), NEW.id
                FROM generate_series(1, least(length(NEW.skeleton) + 1, {GRAM_POSITIONS})) AS n
                ON CONFLICT DO NOTHING;
              RETURN NULL;
            END $$""",
        "CREATE TRIGGER customer_name_word_insert AFTER INSERT ON customer_name_word "
        "FOR EACH ROW EXECUTE FUNCTION customer_name_word_grams()",
        """CREATE FUNCTION customer_words() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF TG_OP = 'UPDATE' AND OLD.name_folded IS NOT DISTINCT FROM NEW.name_folded THEN
               RETURN NULL;
             END IF;
             IF TG_OP IN ('UPDATE', 'DELETE') THEN
               UPDATE customer_name_word SET customers = customers - 1
                 WHERE word IN (SELECT DISTINCT w FROM unnest(string_to_array(OLD.name_folded, ' ')) AS w
                                WHERE w <> '' ORDER BY w);
               DELETE FROM customer_name_word
                 WHERE customers <= 0 AND word = ANY (string_to_array(OLD.name_folded, ' '));
             END IF;
             IF TG_OP IN ('UPDATE', 'INSERT') THEN
               INSERT INTO customer_name_word(word, skeleton, size, customers)
                 SELECT w, customer_name_skeleton(w), length(customer_name_skeleton(w)), 1
                 FROM (SELECT DISTINCT w FROM unnest(string_to_array(NEW.name_folded, ' ')) AS w WHERE w <> '') d
                 ORDER BY w
                 ON CONFLICT (word) DO UPDATE SET customers = customer_name_word.customers + 1;
             END IF;
             RETURN NULL;
           END $$""",
        "INSERT INTO customer_name_word(word, skeleton, size, customers) "
        "SELECT w, customer_name_skeleton(w), length(customer_name_skeleton(w)), count(*) "
        "FROM customer, LATERAL (SELECT DISTINCT w FROM unnest(string_to_array(name_folded, ' ')) AS w "
        "WHERE w <> '') d GROUP BY w",
        "CREATE TRIGGER customer_words AFTER INSERT OR DELETE OR UPDATE OF name_folded ON customer "
        "FOR EACH ROW EXECUTE FUNCTION customer_words()",
    ):
        db.execute_sql(statement)
