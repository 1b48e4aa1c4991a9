"""read_yaml: plain data with positions, and a located, human message for every way YAML goes wrong."""
from __future__ import annotations

import time

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from deskapp.config import yamlsafe
from deskapp.config.errors import ConfigError
from deskapp.config.yamlsafe import Document, read_yaml


def read(text: str | bytes) -> tuple[Document | None, list[tuple[int, int, str]]]:
    doc, errors = read_yaml("config.yaml", text=text)
    assert all(e.file == "config.yaml" for e in errors)
    return doc, [(e.line, e.col, e.message) for e in errors]


def data(text: str | bytes) -> object:
    doc, problems = read(text)
    assert problems == []
    assert doc is not None
    return doc.data


def problems(text: str | bytes) -> list[tuple[int, int, str]]:
    return read(text)[1]


# --- values -----------------------------------------------------------------------------------------


def test_plain_scalars_follow_the_yaml_1_2_core_schema():
    text = (
        "a: ~\nb: null\nc: NULL\nd:\ne: true\nf: FALSE\ng: True\nh: 42\ni: -7\nj: +3\nk: 0x1F\nl: 0o17\n"
        "m: 1.5\nnn: -.5\no: 1e3\np: 0\nq: 2024-01-31\nr: hello world\ns: tRUE\n"
    )
    assert data(text) == {
        "a": None, "b": None, "c": None, "d": None, "e": True, "f": False, "g": True, "h": 42, "i": -7,
        "j": 3, "k": 31, "l": 15, "m": 1.5, "nn": -0.5, "o": 1000.0, "p": 0, "q": "2024-01-31",
        "r": "hello world", "s": "tRUE",
    }


def test_quoted_and_block_scalars_are_always_text():
    text = "a: '42'\nb: \"true\"\nc: 'null'\nd: \"08:30\"\ne: 'NO'\nf: |\n  0755\n"
    assert data(text) == {"a": "42", "b": "true", "c": "null", "d": "08:30", "e": "NO", "f": "0755\n"}


def test_keys_keep_their_order():
    assert list(data("z: 1\na: 2\nm: 3\n")) == ["z", "a", "m"]


@pytest.mark.parametrize("word", ["yes", "No", "NO", "on", "OFF", "y", "N"])
def test_yaml_1_1_booleans_are_ambiguous(word: str):
    assert problems(f"code: A\nopen: {word}\n") == [
        (2, 7, f"ambiguous value '{word}': older YAML reads it as a boolean; write true or false, "
               f"or quote it (\"{word}\") if you mean text"),
    ]


@pytest.mark.parametrize("value", ["8:30", "08:30", "1:30:00", "-1:30"])
def test_sexagesimal_looking_values_must_be_quoted(value: str):
    assert problems(f"opens: {value}\n") == [(1, 8, f"ambiguous value '{value}': write times in quotes, e.g. \"{value}\"")]


@pytest.mark.parametrize(("value", "number"), [("0755", "755"), ("012", "12"), ("-012", "-12"), ("00", "0")])
def test_leading_zero_numbers_are_ambiguous(value: str, number: str):
    assert problems(f"mode: {value}\n") == [
        (1, 7, f"ambiguous value '{value}': older YAML reads a leading zero as an octal number; write {number}, "
               f"or quote it (\"{value}\") if you mean text"),
    ]


def test_unusable_numbers():
    assert problems("a: .inf\nb: -.Inf\nc: .nan\nd: 1e999\ne: 0x8000000000000000\nf: " + "9" * 5000 + "\n") == [
        (1, 4, "'.inf' is not a usable number; write an ordinary number, or quote it if you mean text"),
        (2, 4, "'-.Inf' is not a usable number; write an ordinary number, or quote it if you mean text"),
        (3, 4, "'.nan' is not a usable number; write an ordinary number, or quote it if you mean text"),
        (4, 4, "'1e999' is not a usable number; write an ordinary number, or quote it if you mean text"),
        (5, 4, "number '0x8000000000000000' is too large"),
        (6, 4, f"number '{'9' * 37}...' is too large"),
    ]
    assert data("a: 9223372036854775807\n") == {"a": 9223372036854775807}


def test_a_surrogate_escape_is_refused():
    assert problems('name: "\\ud83d\\ude00"\n') == [
        (1, 7, "a \\u escape here gives half a character (a surrogate); write the character itself"),
    ]
    assert data('name: "\\U0001F600"\n') == {"name": "\U0001F600"}


# --- tags, aliases, keys ----------------------------------------------------------------------------


def test_tags_are_refused_and_never_executed():
    text = (
        "a: !!python/object/apply:os.system ['touch /tmp/deskapp-pwned']\n"
        "b: !foo x\nc: !!str 5\nd: !!binary aGVsbG8=\ne: !!python/name:builtins.exec\n"
    )
    doc, found = read(text)
    assert found == [
        (1, 4, "YAML tags are not allowed (!!python/object/apply:os.system); remove it"),
        (2, 4, "YAML tags are not allowed (!foo); remove it"),
        (3, 4, "YAML tags are not allowed (!!str); remove it"),
        (4, 4, "YAML tags are not allowed (!!binary); remove it"),
        (5, 4, "YAML tags are not allowed (!!python/name:builtins.exec); remove it"),
    ]
    assert doc is not None and doc.data["a"] == ["touch /tmp/deskapp-pwned"]


def test_tags_on_keys_and_collections():
    assert problems("!!str key: 1\nlist: !!seq [1]\n") == [
        (1, 1, "YAML tags are not allowed (!!str); remove it"),
        (2, 7, "YAML tags are not allowed (!!seq); remove it"),
    ]


def test_aliases_are_refused_and_anchors_alone_are_harmless():
    doc, found = read("base: &b {x: 1}\nother: *b\nagain: &b 2\n")
    assert found == [(2, 8, "aliases (*b) are not supported; repeat the value")]
    assert doc is not None and doc.data == {"base": {"x": 1}, "other": None, "again": 2}
    assert problems("a: *nowhere\n") == [(1, 4, "aliases (*nowhere) are not supported; repeat the value")]


def test_billion_laughs_is_cut_short():
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    started = time.monotonic()
    doc, found = read("\n".join(lines) + "\n")
    assert time.monotonic() - started < 2
    assert len(found) == 81 and found[0] == (2, 10, "aliases (*a0) are not supported; repeat the value")
    assert doc is not None and doc.data["a9"] == [None] * 9


def test_duplicate_keys_point_at_the_second():
    doc, found = read("services:\n  - code: A\n    name: Accounts\n    code: B\n    name: X\nname: top\n")
    assert found == [
        (4, 5, "duplicate key 'code' (first at line 2)"),
        (5, 5, "duplicate key 'name' (first at line 3)"),
    ]
    assert doc is not None and doc.data["services"] == [{"code": "A", "name": "Accounts"}]


def test_keys_must_be_text():
    assert problems("1: a\n~: b\ntrue: c\n1.5: d\n[a]: e\n{a: 1}: f\n? \n: g\n'7': ok\n") == [
        (1, 1, "key '1' is read as a number, not text; put it in quotes"),
        (2, 1, "key '~' is read as null, not text; put it in quotes"),
        (3, 1, "key 'true' is read as a boolean, not text; put it in quotes"),
        (4, 1, "key '1.5' is read as a number, not text; put it in quotes"),
        (5, 1, "a list cannot be a key; keys must be text"),
        (6, 1, "a mapping cannot be a key; keys must be text"),
        (7, 2, "empty key; write a name before ':'"),
    ]


def test_ambiguous_keys_are_kept_as_text_and_reported():
    doc, found = read("on: 1\n08:30: 2\n")
    assert found == [
        (1, 1, "ambiguous key 'on': older YAML reads it as a boolean; quote it (\"on\")"),
        (2, 1, "ambiguous key '08:30': older YAML reads it as a number in base 60; quote it (\"08:30\")"),
    ]
    assert doc is not None and doc.data == {"on": 1, "08:30": 2}
    assert doc.reported(("on",), key=True) and not doc.reported(("on",))


def test_independent_problems_are_all_reported_in_one_pass():
    text = "a: yes\nb: !x 1\nc: 1\nc: 2\nd: *e\nf: 0644\n"
    assert [line for line, _, _ in problems(text)] == [1, 2, 4, 5, 6]


# --- nesting ----------------------------------------------------------------------------------------


def nested(levels: int) -> str:
    """A top-level mapping (level 1) holding lists down to `levels` levels in all."""
    return "x: " + "[" * (levels - 1) + "1" + "]" * (levels - 1) + "\n"


def test_nesting_of_32_levels_is_fine():
    assert problems(nested(32)) == []


def test_nesting_deeper_than_32_levels_is_one_error_at_the_first_too_deep_node():
    doc, found = read(nested(40) + "z: " + "[" * 40 + "]" * 40 + "\n")
    assert found == [(1, 35, "nested more than 32 levels deep; flatten this part")]
    assert doc is not None and doc.reported(("x",) + (0,) * 31)


def test_pathologically_deep_input_does_not_recurse():
    started = time.monotonic()
    assert problems("x: " + "[" * 5000 + "]" * 5000 + "\n") == [(1, 35, "nested more than 32 levels deep; flatten this part")]
    assert problems("[" * 5000) == [(1, 33, "nested more than 32 levels deep; flatten this part")]
    assert problems("x: " + "{a: " * 5000 + "}" * 5000) == [(1, 128, "nested more than 32 levels deep; flatten this part")]
    assert time.monotonic() - started < 5


def test_a_recursion_error_in_pyyaml_is_reported(monkeypatch: pytest.MonkeyPatch):
    def explode(self: object) -> None:
        raise RecursionError

    monkeypatch.setattr(yamlsafe._Loader, "get_node", explode)
    assert problems("a: 1\n") == [(1, 1, "the file is nested too deeply to read")]


# --- the file as a whole ----------------------------------------------------------------------------


def test_bytes_that_are_not_utf8_are_located():
    assert problems(b"a: 1\nname: caf\xe9 ok\n") == [(2, 10, "not valid UTF-8 (byte 0xe9); save the file as UTF-8")]
    assert problems(b"\xff\xfea\x00") == [(1, 1, "not valid UTF-8 (byte 0xff); save the file as UTF-8")]


def test_a_utf8_bom_is_fine_and_does_not_shift_columns():
    assert data(b"\xef\xbb\xbfname: Caf\xc3\xa9\n") == {"name": "Café"}
    assert problems("\ufeffa: NO\n")[0][:2] == (1, 4)
    assert problems(b"\xef\xbb\xbfa: 1\nb: \xc3\xa9\xff\n") == [(2, 5, "not valid UTF-8 (byte 0xff); save the file as UTF-8")]


def test_control_characters_are_located():
    assert problems("a: 1\nb: x\x00y\n") == [(2, 5, "unacceptable character U+0000: special characters are not allowed")]
    assert problems("a: \x07\n") == [(1, 4, "unacceptable character U+0007: special characters are not allowed")]


def test_line_breaks_count_like_pyyaml_marks():
    assert problems("a: 1\r\nb: 2\r\nc: NO\r\n")[0][:2] == (3, 4)
    assert problems("a: 1\rb: NO\r")[0][:2] == (2, 4)
    assert problems("a: 1\r\nb: \x01\r\n")[0][:2] == (2, 4)


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n# and another\n", "---\n", "--- # nothing\n...\n"])
def test_an_empty_file(text: str):
    assert read(text) == (None, [(1, 1, "the file is empty")])


def test_the_top_level_must_be_a_mapping():
    assert read("# services\n- a\n- b\n") == (
        None, [(2, 1, "the file must be a mapping of keys to values (key: value), not a list")],
    )
    assert read("\n  hello\n") == (
        None, [(2, 3, "the file must be a mapping of keys to values (key: value), not a single value 'hello'")],
    )


def test_a_second_document_is_refused_and_the_first_kept():
    doc, found = read("---\na: 1\n---\nb: 2\n")
    assert found == [(3, 1, "only one document is allowed here; remove this second '---' part")]
    assert doc is not None and doc.data == {"a": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: b: c\n", (1, 5, "mapping values are not allowed here")),
        ("a: 1\n\tb: 2\n", (2, 1, "found character '\\t' that cannot start any token")),
        ("a: [1, 2\n", (2, 1, "expected ',' or ']', but got the end of the file (while parsing a flow sequence at line 1)")),
        ("a:\n  b: 1\n c: 2\n", (3, 2, "expected the end of an indented block, but found the start of a mapping "
                                       "(while parsing a block mapping at line 1)")),
        ("a: 'open\n", (2, 1, "found unexpected end of the file (while scanning a quoted scalar at line 1)")),
        ("a: 1\n...\nb: 2\n", (3, 1, "expected '---', but found the start of a mapping")),
    ],
)
def test_syntax_errors_are_located_and_worded(text: str, expected: tuple[int, int, str]):
    assert read(text) == (None, [expected])


def test_reading_files(tmp_path):
    path = tmp_path / "branch.yaml"
    path.write_text("code: LIS\n", encoding="utf-8")
    doc, errors = read_yaml(path)
    assert errors == [] and doc is not None and doc.data == {"code": "LIS"} and doc.file == str(path)
    doc, errors = read_yaml(path, file="shown.yaml", text="code: NO\n")
    assert doc is not None and doc.file == "shown.yaml" and errors[0].file == "shown.yaml"
    assert read_yaml(tmp_path / "missing.yaml", file="config.yaml") == (
        None, [ConfigError("config.yaml", 1, 1, "cannot read file: No such file or directory")],
    )
    assert read_yaml(tmp_path)[1][0].message == "cannot read file: Is a directory"


# --- positions --------------------------------------------------------------------------------------

NESTED = """\
branch:
  code: LIS
  hours: {open: "08:30", close: "16:00"}
services:
  - code: A
    steps:
      - kind: form
        fields: [name, phone]
  -   code: B
empty:
"""


def test_where_points_at_values_and_keys_in_nested_maps_and_lists():
    doc, _ = read_yaml("c.yaml", text=NESTED)
    assert doc is not None
    assert doc.where(()) == (1, 1)
    assert doc.where(("branch",)) == (2, 3)
    assert doc.where(("branch",), key=True) == (1, 1)
    assert doc.where(("branch", "code")) == (2, 9)
    assert doc.where(("branch", "hours", "close")) == (3, 33)
    assert doc.where(("branch", "hours", "close"), key=True) == (3, 26)
    assert doc.where(("services", 0)) == (5, 5)
    assert doc.where(("services", 0, "steps", 0, "kind"), key=True) == (7, 9)
    assert doc.where(("services", 0, "steps", 0, "fields", 1)) == (8, 24)
    assert doc.where(("services", 1, "code")) == (9, 13)
    assert doc.where(("services", 1), key=True) == (9, 7)
    assert doc.where(("empty",)) == (10, 7)


def test_where_falls_back_to_the_deepest_existing_prefix():
    doc, _ = read_yaml("c.yaml", text=NESTED)
    assert doc is not None
    assert doc.where(("branch", "timezone")) == (2, 3)
    assert doc.where(("branch", "timezone"), key=True) == (2, 3)
    assert doc.where(("services", 7, "code")) == (5, 3)
    assert doc.where(("nowhere", "at", "all")) == (1, 1)


def test_error_locates_a_message():
    doc, _ = read_yaml("c.yaml", text=NESTED)
    assert doc is not None
    error = doc.error(("services", 1, "code"), "service 'B' has no workflow")
    assert str(error) == "c.yaml:9:13: service 'B' has no workflow"
    assert doc.error(("branch", "code"), "x", key=True) == ConfigError("c.yaml", 2, 3, "x")


# --- never raises -----------------------------------------------------------------------------------


def assert_well_formed(doc: Document | None, errors: list[ConfigError]) -> None:
    assert doc is not None or errors
    assert errors == sorted(errors)
    for error in errors:
        assert isinstance(error, ConfigError) and error.line >= 1 and error.col >= 1 and error.message


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_gives_errors_not_exceptions(text: str):
    assert_well_formed(*read_yaml("c.yaml", text=text))


@settings(max_examples=200, deadline=None)
@given(st.binary())
def test_any_bytes_give_errors_not_exceptions(raw: bytes):
    assert_well_formed(*read_yaml("c.yaml", text=raw))


YAMLISH = st.text(alphabet=st.sampled_from(list("ab:-[]{},&*!?'\"#|>~.0189 \n\t%@`")), max_size=80)


@settings(max_examples=200, deadline=None)
@given(YAMLISH)
def test_yaml_punctuation_soup_gives_errors_not_exceptions(text: str):
    assert_well_formed(*read_yaml("c.yaml", text=text))


WORDS = st.text(alphabet=st.sampled_from(list("abcdefnosty -_")), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(WORDS, st.integers() | WORDS | st.booleans() | st.none() | st.lists(WORDS), min_size=1))
def test_safe_dumped_mappings_read_back_unchanged(original: dict):
    doc, errors = read_yaml("c.yaml", text=yaml.safe_dump(original))
    if not errors:  # pyyaml writes a bare y or n, which we refuse as ambiguous; never read changed
        assert doc is not None and doc.data == original
