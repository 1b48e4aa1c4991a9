"""Reading YAML into plain Python data while remembering where every key and value stands.

The file is composed to pyyaml nodes (which carry their marks) and never constructed by pyyaml, so no
tag can build an object. Plain scalars are resolved here by the YAML 1.2 core schema, and the values
YAML 1.1 reads differently (yes/no, 08:30, 0755) are refused with the fix in the message: a teller's
"NO" must never silently become False. Every problem is a located ConfigError; nothing raises.
The module is longer than 450 lines because the guarded composer, the scalar rules and every message
(each a whole sentence in the reader's language) are read together.
"""
from __future__ import annotations

import math
import os
import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.error import Mark
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from deskapp.i18n import N_, SOURCE, _, current

from .errors import ConfigError

Path = tuple[str | int, ...]
Position = tuple[int, int]

MAX_DEPTH = 32
"""Deeper nesting is never a real configuration, and refusing it bounds every recursion below."""
MAX_BYTES = 5 * 1024 * 1024
"""A larger file is never a real configuration (a whole branch with its workflows is ~50 KB); it is
refused before it is read, since reading YAML costs seconds a megabyte."""

_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}  # i18n: not words
_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INF_NAN = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")

# (pattern, what YAML 1.1 makes of it, the message for a value); a key gets only the why and "quote it".
_TRAPS = (
    (
        re.compile(r"y|n|yes|no|on|off", re.IGNORECASE),
        N_("older YAML reads it as a boolean"),
        N_('older YAML reads it as a boolean; write true or false, or quote it ("{text}") if you mean text'),
    ),
    (
        re.compile(r"[-+]?[0-9]+(?::[0-9]+)+(?:\.[0-9]*)?"),
        N_("older YAML reads it as a number in base 60"),
        N_('write times in quotes, e.g. "{text}"'),
    ),
    (
        re.compile(r"[-+]?0[0-9]+"),
        N_("older YAML reads a leading zero as an octal number"),
        N_('older YAML reads a leading zero as an octal number; write {number}, or quote it ("{text}") if you mean '
           'text'),
    ),
)


class Document:
    """A YAML file read into plain data, with the position of every value and mapping key."""

    def __init__(
        self,
        file: str,
        data: Any,
        values: dict[Path, Position],
        keys: dict[Path, Position],
        reported: frozenset[tuple[Path, bool]],
        text: str = "",
    ):
        self.file = file
        self.data = data
        self._values = values
        self._keys = keys
        self._reported = reported
        self.text = text
        """The source as read (BOM removed): lets a caller locate a character inside a scalar."""

    def where(self, path: Path, key: bool = False) -> Position:
        """(line, col) of the value at path; with key=True the position of the mapping key itself.

        A path that does not fully exist gives the position of its deepest existing prefix, so an error
        about something missing points at the mapping that should hold it.
        """
        path = tuple(path)
        if key and path in self._keys:
            return self._keys[path]
        while path not in self._values:
            path = path[:-1]
        return self._values[path]

    def reported(self, path: Path, key: bool = False) -> bool:
        """Whether reading already reported a problem at this value (or key), so that validation can
        stay silent there instead of giving the same spot a second, more confusing message."""
        return (tuple(path), key) in self._reported

    def error(self, path: Path, message: str, key: bool = False) -> ConfigError:
        """A ConfigError located at path (see where)."""
        return ConfigError(self.file, *self.where(path, key), message)


def read_yaml(
    source: str | os.PathLike, *, text: str | bytes | None = None, file: str | None = None
) -> tuple[Document | None, list[ConfigError]]:
    """Reads source (or text, when given) into a Document and every problem found, sorted by position.

    The Document is None when the text cannot be used at all: unreadable, not UTF-8, not YAML, empty,
    or not a mapping at the top level.
    """
    name = file if file is not None else os.fsdecode(source)
    if text is None:
        try:
            with open(source, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                text = handle.read(MAX_BYTES + 1)  # bounded even where the size is unknown (a pipe)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            return None, [ConfigError(name, 1, 1, _("cannot read file: {reason}").format(reason=reason))]
        if len(text) > MAX_BYTES:
            return None, [_too_big(name, max(size, len(text)))]
    elif len(text) > MAX_BYTES:
        return None, [_too_big(name, len(text))]
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [_bad_utf8(name, exc)]
    text = text.removeprefix("\ufeff")
    problems: list[tuple[Position, str]] = []
    root, flagged = _compose(text, problems)
    document = None
    if root is not None:
        builder = _Builder(problems, flagged)
        data = builder.value(root, ())
        document = Document(name, data, builder.values, builder.keys, frozenset(builder.reported), text)
    return document, sorted(ConfigError(name, line, col, message) for (line, col), message in problems)


def _too_big(name: str, size: int) -> ConfigError:
    limit = MAX_BYTES // 1024 // 1024
    if size == MAX_BYTES + 1:  # a pipe's size is not known
        message = _("the file is more than the {limit} MB a configuration may have; is it the right file?")
    else:
        message = _("the file is {size:.1f} MB, more than the {limit} MB a configuration may have; is it the "
                    "right file?")
    return ConfigError(name, 1, 1, message.format(size=size / 1024 / 1024, limit=limit))


def _bad_utf8(name: str, exc: UnicodeDecodeError) -> ConfigError:
    """Locates the first byte that is not UTF-8 (the BOM, if any, counts for nothing)."""
    raw: bytes = exc.object
    good = raw[: exc.start].decode("utf-8-sig")
    line, col = _position(good, len(good))
    return ConfigError(name, line, col, _("not valid UTF-8 (byte 0x{byte:02x}); save the file as UTF-8").format(
        byte=raw[exc.start]))


def _position(text: str, index: int) -> Position:
    """The 1-based (line, col) of text[index], counting line breaks exactly as pyyaml's marks do."""
    line, col = 1, 1
    for i, ch in enumerate(text[:index]):
        if ch in "\n\x85\u2028\u2029" or (ch == "\r" and text[i + 1 : i + 2] != "\n"):
            line, col = line + 1, 1
        elif ch != "\ufeff":
            col += 1
    return line, col


def _at(mark: Mark | None) -> Position:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _Loader(Reader, Scanner, Parser, Composer, BaseResolver):
    """pyyaml's composer, guarded: tags, aliases and nesting past MAX_DEPTH are recorded as problems
    instead of being followed, and no Python object is ever constructed."""

    def __init__(self, text: str, problems: list[tuple[Position, str]]):
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseResolver.__init__(self)
        self.problems = problems
        self.flagged: set[int] = set()  # ids of nodes whose problem is already recorded
        self.depth = 0
        self.too_deep_seen = False
        self.skipping = False  # inside a refused too-deep node, whose syntax no longer matters

    def save_possible_simple_key(self) -> None:
        # pyyaml re-checks every pending simple key at each token, which makes absurd flow nesting
        # ([[[[...) quadratic; a key nested that deep is refused by compose_node anyway.
        if self.flow_level <= MAX_DEPTH:
            super().save_possible_simple_key()

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            self.get_event()
            return self._placeholder(event.start_mark, _("aliases (*{anchor}) are not supported; repeat the value").format(
                anchor=event.anchor))
        collection = isinstance(event, (SequenceStartEvent, MappingStartEvent))
        if collection and self.depth >= MAX_DEPTH:
            message = None if self.too_deep_seen else _("nested more than {depth} levels deep; flatten this part").format(
                depth=MAX_DEPTH)
            self.too_deep_seen = True
            node = self._placeholder(event.start_mark, message)
            self.skipping = True
            self._skip_node()
            self.skipping = False
            return node
        if event.tag is not None:
            self.problems.append((_at(event.start_mark), _("YAML tags are not allowed ({tag}); remove it").format(
                tag=_short_tag(event.tag))))
        if event.anchor is not None:
            # Aliases are refused above, so anchors are never looked up; forget the old one so that
            # reusing an anchor name (legal YAML) is not reported as a duplicate.
            self.anchors.pop(event.anchor, None)
        self.depth += collection
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= collection
        if event.tag is not None:
            self.flagged.add(id(node))
        return node

    def _placeholder(self, mark: Mark, message: str | None) -> Node:
        """An empty value standing where a refused node was, so reading can go on."""
        if message is not None:
            self.problems.append((_at(mark), message))
        node = ScalarNode("tag:yaml.org,2002:null", "", mark, mark)
        self.flagged.add(id(node))
        return node

    def _skip_node(self) -> None:
        """Consumes one node's events without composing them, iteratively, however deep it goes."""
        depth = 0
        while True:
            event = self.get_event()
            if isinstance(event, (SequenceStartEvent, MappingStartEvent)):
                depth += 1
            elif isinstance(event, (SequenceEndEvent, MappingEndEvent)):
                depth -= 1
            if depth == 0:
                return


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _compose(text: str, problems: list[tuple[Position, str]]) -> tuple[MappingNode | None, set[int]]:
    """The root mapping of the only document and the ids of nodes already reported, or (None, ...)
    when there is nothing usable (a problem says why)."""
    try:
        loader = _Loader(text, problems)  # checks every character of text at once
    except ReaderError as exc:
        problems.append((_position(text, exc.position), _("unacceptable character U+{code:04X}: {reason}").format(
            code=exc.character, reason=exc.reason)))
        return None, set()
    try:
        root = loader.get_node() if loader.check_node() else None
        if root is not None and loader.check_node():
            second = loader.peek_event().start_mark
            problems.append((_at(second), _("only one document is allowed here; remove this second '---' part")))
    except yaml.MarkedYAMLError as exc:
        if not loader.skipping:
            problems.append((_at(exc.problem_mark or exc.context_mark), _syntax_message(exc)))
        return None, set()
    except yaml.YAMLError as exc:
        problems.append(((1, 1), str(exc)))
        return None, set()
    except RecursionError:
        problems.append(((1, 1), _("the file is nested too deeply to read")))
        return None, set()
    finally:
        loader.dispose()
    if isinstance(root, ScalarNode) and id(root) in loader.flagged:  # its problem is recorded
        return None, set()
    if root is None or (isinstance(root, ScalarNode) and root.style is None and root.value == ""):
        problems.append(((1, 1), _("the file is empty")))
        return None, set()
    if not isinstance(root, MappingNode):
        if isinstance(root, SequenceNode):
            message = _("the file must be a mapping of keys to values (key: value), not a list")
        else:
            message = _("the file must be a mapping of keys to values (key: value), not a single value {value}").format(
                value=quote(root.value))
        problems.append((_at(root.start_mark), message))
        return None, set()
    return root, loader.flagged


# pyyaml's syntax problems are its own English sentences ("expected <block end>, but found '<scalar>'"):
# its token names become words of the same sentence, in English, after a translated lead (_syntax_message).
_TOKENS = {  # i18n: not words
    "stream end": "the end of the file",  # i18n: not words
    "document start": "'---'",  # i18n: not words
    "document end": "'...'",  # i18n: not words
    "block end": "the end of an indented block",  # i18n: not words
    "block mapping start": "the start of a mapping",  # i18n: not words
    "block sequence start": "the start of a list",  # i18n: not words
    "scalar": "a value",  # i18n: not words
    "alias": "an alias",  # i18n: not words
    "anchor": "an anchor",  # i18n: not words
    "tag": "a tag",  # i18n: not words
    "directive": "a directive",  # i18n: not words
}


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    """pyyaml's problem text in words instead of token names, with what it was reading and where
    that started, when it says so."""
    if not (exc.problem or exc.context):
        return _("invalid YAML")
    message = exc.problem or exc.context
    if exc.problem and exc.context and exc.context_mark is not None:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"  # i18n: not words (pyyaml's sentence)
    message = message.replace("end of stream", "end of the file")  # i18n: not words
    said = re.sub(r"'?<([a-z ]+)>'?", lambda m: _TOKENS.get(m[1], m[0]), message)  # i18n: not words
    if current() == SOURCE:
        return said
    return _("invalid YAML: {problem}").format(problem=said)  # pyyaml's sentence stays its own English


def quote(text: str, limit: int = 40) -> str:
    """text in single quotes for a message, shortened so that one bad value cannot flood the output."""
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 3]}...'"


def _trap(text: str) -> tuple[str, str] | None:
    """(why, message for a value) when YAML 1.1 would read this plain scalar as something else."""
    for pattern, why, message in _TRAPS:
        if pattern.fullmatch(text):
            sign = text[0] if text[0] in "+-" else ""
            number = sign + (text.lstrip("+-").lstrip("0") or "0")
            return _(why), _(message).format(text=text, number=number)
    return None


def _plain(text: str) -> tuple[Any, str | None]:
    """Resolves a plain scalar by the YAML 1.2 core schema: (value, None), or (text, why it cannot be used)."""
    if _NULL.fullmatch(text):
        return None, None
    if text in _BOOL:
        return _BOOL[text], None
    trap = _trap(text)
    if trap is not None:
        return text, _("ambiguous value '{text}': {why}").format(text=text, why=trap[1])
    if _INT.fullmatch(text) or _OCT.fullmatch(text) or _HEX.fullmatch(text):
        try:
            number = int(text, 0) if text[:2] in ("0o", "0x") else int(text)
        except ValueError:  # Python refuses decimal strings of thousands of digits
            number = None
        if number is None or number.bit_length() > 63:  # the database stores 64-bit integers
            return text, _("number {value} is too large").format(value=quote(text))
        return number, None
    if _INF_NAN.fullmatch(text) or (_FLOAT.fullmatch(text) and not math.isfinite(float(text))):
        return text, _("{value} is not a usable number; write an ordinary number, or quote it if you mean "
                       "text").format(value=quote(text))
    if _FLOAT.fullmatch(text):
        return float(text), None
    return text, None


def _scalar(node: ScalarNode) -> tuple[Any, str | None]:
    """The value of a scalar node, and why it cannot be used (None when it can)."""
    if node.style is None:
        return _plain(node.value)
    if _SURROGATE.search(node.value):  # only a \u escape makes one; no file, terminal or database takes it
        return node.value, _("a \\u escape here gives half a character (a surrogate); write the character itself")
    return node.value, None


def _kind(value: Any) -> str:
    return _("null") if value is None else _("a boolean") if isinstance(value, bool) else _("a number")


class _Builder:
    """Turns the composed nodes into plain data, recording positions and the problems of each value."""

    def __init__(self, problems: list[tuple[Position, str]], flagged: set[int]):
        self.problems = problems
        self.flagged = flagged
        self.values: dict[Path, Position] = {}
        self.keys: dict[Path, Position] = {}
        self.reported: set[tuple[Path, bool]] = set()

    def value(self, node: Node, path: Path) -> Any:
        self.values[path] = _at(node.start_mark)
        if id(node) in self.flagged:
            self.reported.add((path, False))
        if isinstance(node, SequenceNode):
            return [self.value(item, path + (i,)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        value, problem = _scalar(node)
        if problem is not None:
            self.problems.append((_at(node.start_mark), problem))
            self.reported.add((path, False))
        return value

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            key, reported = self.key(key_node)
            if key is None:
                continue
            position = _at(key_node.start_mark)
            if key in result:
                self.problems.append((position, _("duplicate key {key} (first at line {line})").format(
                    key=quote(key), line=first_line[key])))
                continue
            first_line[key] = position[0]
            self.keys[path + (key,)] = position
            if reported:
                self.reported.add((path + (key,), True))
            result[key] = self.value(value_node, path + (key,))
        return result

    def key(self, node: Node) -> tuple[str | None, bool]:
        """(the key as text, whether it has a problem); None when it cannot be a key at all."""
        if isinstance(node, (SequenceNode, MappingNode)):
            said = (_("a list cannot be a key; keys must be text") if isinstance(node, SequenceNode)
                    else _("a mapping cannot be a key; keys must be text"))
            self.problems.append((_at(node.start_mark), said))
            return None, True
        if id(node) in self.flagged:
            return node.value, True
        value, problem = _scalar(node)
        trap = _trap(node.value) if node.style is None else None
        if trap is not None:
            problem = _("ambiguous key {key}: {why}; quote it (\"{text}\")").format(
                key=quote(node.value), why=trap[0], text=node.value)
        elif not isinstance(value, str):
            problem = _("key {key} is read as {kind}, not text; put it in quotes").format(
                key=quote(node.value), kind=_kind(value))
            if node.value == "":
                problem = _("empty key; write a name before ':'")
            value = None
        if problem is not None:
            self.problems.append((_at(node.start_mark), problem))
        return value, problem is not None
