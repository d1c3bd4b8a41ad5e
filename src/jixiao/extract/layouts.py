"""Layout knowledge as data: :file:`layouts.toml` beside this module (table signatures with the
header labels of each column and their synonyms, key–value labels, title patterns, narrative
figure patterns), loaded once and compiled.

Everything here matches *match text*: :func:`match_text` of a cell or line — no whitespace,
full-width digits and punctuation as ASCII, traditional characters as simplified (one character
for one, so positions stay those of the original). See docs/layouts.md for the format and a
worked example of adding a province's template.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from .numbers import normalize

AMT = r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*万元"


def match_text(text: str | None) -> str:
    """The text label patterns run on (:func:`jixiao.extract.numbers.normalize`)."""
    return normalize(text)


@dataclass(slots=True)
class Synonyms:
    """A field's header labels in priority order."""

    field: str
    patterns: list[re.Pattern[str]]
    any: re.Pattern[str] | None = None  # all patterns in one (for matches)
    needs: list[tuple[str, ...]] = field(default_factory=list)  # required_text of each pattern

    def __post_init__(self) -> None:
        self.any = re.compile("|".join(f"(?:{rx.pattern})" for rx in self.patterns)) if self.patterns else None
        self.needs = [required_text(rx.pattern) for rx in self.patterns]

    def matches(self, text: str) -> bool:
        return self.any is not None and self.any.search(text) is not None

    def may_match(self, text: str) -> bool:
        """False when no part of ``text`` can match: it lacks some literal text of every pattern
        (``text`` may be many cells' match texts joined, to pass over a whole table at once)."""
        return any(all(s in text for s in needs) for needs in self.needs)

    def may_all_in(self, text: str) -> bool:
        """False when :meth:`all_in` cannot hold for texts that are all parts of ``text``."""
        return all(all(s in text for s in needs) for needs in self.needs)

    def all_in(self, texts: list[str]) -> bool:
        """Every synonym matches one of ``texts`` (a header row that must name them all)."""
        return all(any(rx.search(t) for t in texts) for rx in self.patterns)

    def search(self, text: str) -> re.Match[str] | None:
        """The first pattern's match in ``text`` (``re.Pattern.search`` over the synonyms)."""
        for rx in self.patterns:
            m = rx.search(text)
            if m:
                return m
        return None


@dataclass(slots=True)
class Signature:
    """One table signature of :file:`layouts.toml` ``[tables.NAME]``."""

    name: str
    title: str
    columns: dict[str, Synonyms] = field(default_factory=dict)
    labels: dict[str, Synonyms] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    header: Synonyms | None = None
    total_row: Synonyms | None = None
    part_row: Synonyms | None = None


def required_text(pattern: str) -> tuple[str, ...]:
    """The runs of literal text every match of ``pattern`` contains (those in its top-level
    sequence: nothing inside a group, a repeat or an alternation counts), so that a line lacking
    one is passed over without running the pattern. Empty when the pattern cannot be parsed."""
    try:
        from re import _parser  # the standard library's own regex parser

        parsed = _parser.parse(pattern)
        seq, literal = list(parsed), _parser.LITERAL
        if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
            return ()  # literals that do not match as written
    except Exception:  # pragma: no cover - another Python's internals
        return ()
    runs, cur = [], ""
    for op, av in seq:
        if op == literal:
            cur += chr(av)
            continue
        if cur:
            runs.append(cur)
        cur = ""
    if cur:
        runs.append(cur)
    return tuple(runs)


class _Unsure(Exception):
    """A construct :func:`first_chars` does not look into."""


def first_chars(pattern: str) -> tuple[frozenset[str], bool] | None:
    """What a match of ``pattern`` at the start of a text can begin with: (the characters, whether
    any decimal digit ``\\d`` can too), so that a text beginning otherwise is passed over without
    running the pattern (``re.match`` only: a search starts anywhere). A superset is safe and
    given where in doubt (``^`` counts as matching); None when it cannot be said at all — a match
    may be empty or start with any character, a negated or wide class, a flag, a back-reference."""
    try:
        from re import _parser  # the standard library's own regex parser

        parsed = _parser.parse(pattern)
        if parsed.state.flags & re.IGNORECASE:
            return None
        chars, digit, empty = _first_of(list(parsed))
    except Exception:  # _Unsure, or another Python's internals
        return None
    return None if empty else (frozenset(chars), digit)


def _first_of(items: list) -> tuple[set[str], bool, bool]:
    """(first characters, a digit can be first, the sequence can match empty) of parsed ``items``."""
    from re import _constants as c

    chars: set[str] = set()
    digit = False
    for op, av in items:
        if op is c.AT and av is c.AT_BEGINNING:
            continue  # zero width
        if op is c.LITERAL:
            chars.add(chr(av))
            return chars, digit, False
        if op is c.IN:
            for o, a in av:
                if o is c.LITERAL:
                    chars.add(chr(a))
                elif o is c.RANGE and a[1] - a[0] <= 256:
                    chars.update(map(chr, range(a[0], a[1] + 1)))
                elif o is c.CATEGORY and a is c.CATEGORY_DIGIT:
                    digit = True
                else:
                    raise _Unsure(o)
            return chars, digit, False
        if op is c.BRANCH:
            alts = [_first_of(list(alt)) for alt in av[1]]
        elif op is c.SUBPATTERN and not av[1] and not av[2]:  # a group without inline flags
            alts = [_first_of(list(av[3]))]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            got = _first_of(list(av[2]))
            alts = [(got[0], got[1], got[2] or av[0] == 0)]
        else:
            raise _Unsure(op)
        for ch, dg, _ in alts:
            chars |= ch
            digit |= dg
        if not any(e for _, _, e in alts):
            return chars, digit, False
    return chars, digit, True


def starts_like(text: str, firsts: tuple[frozenset[str], bool] | None) -> bool:
    """Whether ``text`` can begin a match of the pattern ``firsts`` (:func:`first_chars`) is of."""
    if firsts is None:
        return True
    if not text:
        return False
    ch = text[0]
    return ch in firsts[0] or (firsts[1] and ch.isdecimal())


@dataclass(slots=True)
class Pattern:
    key: str
    label: str
    rx: re.Pattern[str]
    needs: tuple[str, ...] = ()  # required_text(rx.pattern)

    def finditer(self, text: str):
        """``rx.finditer(text)``, without running the pattern on text lacking what it needs."""
        for s in self.needs:
            if s not in text:
                return iter(())
        return self.rx.finditer(text)

    def search(self, text: str) -> re.Match[str] | None:
        for s in self.needs:
            if s not in text:
                return None
        return self.rx.search(text)


@dataclass(slots=True)
class Layouts:
    tables: dict[str, Signature]
    labels: dict[str, Synonyms]
    project_titles: Synonyms
    department_titles: Synonyms
    unit_suffixes: list[str]
    unit_suffix_rx: str
    project_name_strip: list[re.Pattern[str]]
    not_title: Synonyms
    project_fields: tuple[str, ...]
    level2_family: dict[str, Synonyms]
    narrative: dict[str, list[Pattern]]
    # per narrative group, the literal text every one of its patterns needs (``Pattern.needs``
    # they share): a line lacking one is passed over without trying the group's patterns
    narrative_needs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def may_hold_label(self, text: str, fields: tuple[str, ...]) -> bool:
        """False when no part of ``text`` (match texts, e.g. :func:`~jixiao.extract.tables.table_text`)
        can be a label of ``fields`` (:meth:`label_field`)."""
        return "盖章" in text or any(self.labels[f].may_match(text) for f in fields)

    def label_field(self, text: str, fields: tuple[str, ...] | None = None) -> str | None:
        """The key–value field whose label ``text`` is (``（盖章）`` and a trailing colon
        dropped), or None."""
        return _label_field(text, fields)


@lru_cache(maxsize=8192)
def _label_field(text: str, fields: tuple[str, ...] | None) -> str | None:
    if len(text) > 40:
        return None  # a label is short; sentences and long cells are values
    t = re.sub(r"[(（]盖章[)）]", "", match_text(text)).rstrip(":：")
    for name, syn in layouts().labels.items():
        if (fields is None or name in fields) and syn.matches(t):
            return name
    return None


def _pattern(key: str, label: str, pattern: str) -> Pattern:
    return Pattern(key, label, re.compile(pattern), required_text(pattern))


def _syn(name: str, pats: list[str]) -> Synonyms:
    return Synonyms(name, [re.compile(p) for p in pats])


@cache
def layouts() -> Layouts:
    """The compiled :file:`layouts.toml` (read once)."""
    data = tomllib.loads(resources.files(__package__).joinpath("layouts.toml").read_text(encoding="utf-8"))
    tables: dict[str, Signature] = {}
    for name, t in data["tables"].items():
        sig = Signature(name=name, title=t.get("title", name), required=list(t.get("required", [])))
        sig.columns = {k: _syn(k, v) for k, v in t.get("columns", {}).items()}
        sig.labels = {k: _syn(k, v) for k, v in t.get("labels", {}).items()}
        for attr in ("header", "total_row", "part_row"):
            if attr in t:
                setattr(sig, attr, _syn(attr, t[attr]))
        tables[name] = sig
    doc = data["document"]
    suffixes = sorted(doc["unit_suffixes"], key=len, reverse=True)
    narrative = {
        group: [_pattern(e["key"], e["label"], e["pattern"].replace("AMT", AMT)) for e in entries]
        for group, entries in data["narrative"].items()
    }
    return Layouts(
        tables=tables,
        labels={k: _syn(k, v) for k, v in data["labels"].items()},
        project_titles=_syn("project_titles", doc["project_titles"]),
        department_titles=_syn("department_titles", doc["department_titles"]),
        unit_suffixes=suffixes,
        unit_suffix_rx="(?:" + "|".join(map(re.escape, suffixes)) + ")",
        project_name_strip=[re.compile(p) for p in doc["project_name_strip"]],
        not_title=_syn("not_title", doc["not_title"]),
        project_fields=tuple(doc["project_fields"]),
        level2_family={k: _syn(k, v) for k, v in data["level2_family"].items()},
        narrative=narrative,
        narrative_needs={group: shared_needs(pats) for group, pats in narrative.items()},
    )


def shared_needs(patterns: list[Pattern]) -> tuple[str, ...]:
    """The runs of literal text that every one of ``patterns`` needs (in the first's order);
    ``()`` when they share none or there are no patterns."""
    if not patterns:
        return ()
    return tuple(s for s in patterns[0].needs if all(s in p.needs for p in patterns[1:]))


def signature(name: str) -> Signature:
    return layouts().tables[name]
