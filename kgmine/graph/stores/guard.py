"""The query guard: every Cypher text is checked here before a store's parser sees it.

Both stores call :func:`check_query` at the start of ``query``; so do the command line
(``kgmine query``) and the explorer (``kgmine serve``), which go through ``store.query``. It does two
things, on one tokenisation of the text (string literals, backtick names and comments are single
tokens, so words inside them never count):

**Size limits** (:class:`QueryLimits`), checked before anything is parsed. LadybugDB 0.22's parser
is the reason (measured on the shared 2-core development machine; the query timeout does not stop
parsing): ``RETURN ((((…1…))))`` nested 3,000 deep segfaulted the explorer in the issue 14 probe and
parsed for over 60 s here; ``[`` nested 1,000 deep segfaulted in one run and took 29 s in another,
300 deep took 14 s; ``RETURN 1+1+…`` takes 0.26 s at 2,000 terms, 1.2 s at 4,000 and hung for
minutes at 200,000. The defaults (20,000 characters, nesting depth 32, 2,000 operator terms) keep
each of these under 0.3 s (nesting 32 ``[``: 0.06 s, 50: 0.14 s).

**Read-only mode** (``write=False``): besides the clauses that write (``CREATE``, ``MERGE``, ``SET``,
``DELETE``, ``COPY``, …), refused are the statements that read or write files or change the
connection: ``LOAD FROM`` / ``LOAD CSV`` / ``LOAD EXTENSION``, the file-reading table functions
(``read_csv_…``, ``read_parquet``, ``file_info``, …), ``CALL name = value`` (a setting, which would
persist on a shared connection), ``CALL`` of any procedure not on the read-only list
(:data:`READ_ONLY_CALLS`), ``INSTALL``, ``ATTACH`` / ``DETACH`` / ``USE`` (databases),
``IMPORT`` / ``EXPORT DATABASE``, transactions and ``CHECKPOINT``.

>>> check_query("MATCH (n) WHERE n.note = 'LOAD FROM x' RETURN n.set")     # words in literals do not count
[]
>>> check_query("LOAD FROM '/etc/passwd' RETURN *")
Traceback (most recent call last):
...
kgmine.graph.stores.base.StoreError: query refused in read-only mode: LOAD reads files or extensions
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from kgmine.graph.stores.base import StoreError


@dataclass(frozen=True)
class QueryLimits:
    """Size limits a query text must meet before it is parsed.

    Parameters
    ----------
    max_chars : int, default 20,000
        Characters of the whole text (values belong in parameters, not in the text).
    max_depth : int, default 32
        Nesting of ``(``, ``[`` and ``{`` together.
    max_terms : int, default 2,000
        Operators and separators (``+ - * / % ^ = <> < > <= >= , .`` and ``AND OR XOR``) in the text.
    """

    max_chars: int = 20_000
    max_depth: int = 32
    max_terms: int = 2_000


DEFAULT_LIMITS = QueryLimits()

#: Clauses that change the database (or its files, extensions or transaction state).
WRITE_WORDS = frozenset(("CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP", "COPY", "ALTER", "IMPORT",
                         "EXPORT", "INSTALL", "UNINSTALL", "ATTACH", "CHECKPOINT", "BEGIN", "COMMIT", "ROLLBACK",
                         "FOREACH"))

#: Table functions / procedures a read-only ``CALL`` may use (lower case; LadybugDB and Neo4j names).
READ_ONLY_CALLS = frozenset((
    "show_tables", "table_info", "show_connection", "show_functions", "show_indexes", "show_sequences",
    "show_macros", "show_warnings", "current_setting", "db_version", "storage_version", "catalog_version",
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
    "db.schema.nodetypeproperties", "db.schema.reltypeproperties", "db.info", "dbms.components",
))

#: Functions that read files (LadybugDB table functions; Neo4j APOC loaders start with ``apoc.load``).
FILE_FUNCTIONS = frozenset(("read_csv", "read_csv_parallel", "read_csv_serial", "read_parquet", "read_npy",
                            "read_json", "read_pandas", "file_info", "glob"))

#: Binary operators and separators counted towards :attr:`QueryLimits.max_terms`.
_TERM_OPS = frozenset(("+", "-", "*", "/", "%", "^", "=", "<>", "<", ">", "<=", ">=", ",", ".", "=~", "+="))
_TERM_WORDS = frozenset(("AND", "OR", "XOR"))
_OPEN, _CLOSE = "([{", ")]}"


class Token(NamedTuple):
    """One token: ``kind`` is ``word`` (a bare name or keyword), ``name`` (backtick-quoted), ``string``,
    ``number``, ``param`` (``$x``) or ``op`` (punctuation); ``pos`` is its offset in the text."""

    kind: str
    text: str
    pos: int


#: One token per match; the first alternative that matches wins (comments and whitespace are dropped).
#: Every alternative succeeds without backtracking once it has started (an unterminated string, even
#: one ending in a lone backslash, runs to the end), so tokenising is linear in the text.
_TOKEN = re.compile(r"""
   (?P<space>\s+)
 | (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
 | (?P<string>'(?:[^'\\]|\\.)*(?:'|\\?\Z)|"(?:[^"\\]|\\.)*(?:"|\\?\Z))
 | (?P<name>`(?:[^`]|``)*(?:`|\Z))
 | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
 | (?P<number>[0-9][0-9A-Za-z_.]*)
 | (?P<param>\$(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|`[^`]*`)?)
 | (?P<op><>|<=|>=|=~|\+=|->|<-|\.\.|.)
""", re.DOTALL | re.VERBOSE)


def tokenize(cypher: str) -> list[Token]:
    """The tokens of ``cypher`` (comments and whitespace dropped); never raises.

    An unterminated string, backtick name or block comment runs to the end of the text (the store's
    parser then reports it).
    """
    return [Token(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(cypher)
            if m.lastgroup not in ("space", "comment")]


def check_limits(cypher: str, limits: QueryLimits = DEFAULT_LIMITS, tokens: list[Token] | None = None) -> list[Token]:
    """Raise :class:`StoreError` (one line) when ``cypher`` exceeds ``limits``; returns its tokens.

    The length is checked before the text is even tokenised.
    """
    if len(cypher) > limits.max_chars:
        raise StoreError(f"query refused: {len(cypher):,} characters, more than the limit of {limits.max_chars:,} "
                         "(put values in parameters)")
    tokens = tokenize(cypher) if tokens is None else tokens
    depth = deepest = terms = 0
    for tok in tokens:
        if tok.kind == "op":
            if tok.text in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif tok.text in _CLOSE:
                depth = max(depth - 1, 0)
            elif tok.text in _TERM_OPS:
                terms += 1
        elif tok.kind == "word" and tok.text.upper() in _TERM_WORDS:
            terms += 1
    if deepest > limits.max_depth:
        raise StoreError(f"query refused: brackets nested {deepest} deep, more than the limit of {limits.max_depth}")
    if terms > limits.max_terms:
        raise StoreError(f"query refused: {terms:,} operators and separators, more than the limit of "
                         f"{limits.max_terms:,} (put long lists in parameters)")
    return tokens


def _keywords(tokens: list[Token]) -> list[tuple[int, str]]:
    """``(index, UPPER word)`` of the bare words that may be keywords: not a property (``n.set``), label
    (``:Set``) or map key (``{set: 1}``)."""
    out = []
    for k, tok in enumerate(tokens):
        if tok.kind != "word":
            continue
        before = tokens[k - 1].text if k and tokens[k - 1].kind == "op" else ""
        after = tokens[k + 1].text if k + 1 < len(tokens) and tokens[k + 1].kind == "op" else ""
        if before in (".", ":") or after == ":":
            continue
        out.append((k, tok.text.upper()))
    return out


def write_clauses(cypher: str, tokens: list[Token] | None = None) -> list[str]:
    """The writing clauses (``CREATE``, ``MERGE``, ``SET`` …) of ``cypher``, outside literals, in order
    of first use; ``LOAD EXTENSION`` counts. An empty list means the query only reads."""
    tokens = tokenize(cypher) if tokens is None else tokens
    found = [word for _, word in _keywords(tokens) if word in WRITE_WORDS]
    for k, word in _keywords(tokens):
        if word == "LOAD" and k + 1 < len(tokens) and tokens[k + 1].text.upper() == "EXTENSION":
            found.append("LOAD EXTENSION")
    return list(dict.fromkeys(found))


def _procedure(tokens: list[Token], k: int) -> tuple[str, int]:
    """The dotted name starting at token ``k`` (lower case) and the index after it."""
    parts = []
    while k < len(tokens) and tokens[k].kind in ("word", "name"):
        parts.append(tokens[k].text.strip("`").lower())
        if k + 1 < len(tokens) and tokens[k + 1].text == ".":
            k += 2
            continue
        k += 1
        break
    return ".".join(parts), k


def read_only_refusals(cypher: str, tokens: list[Token] | None = None) -> list[str]:
    """Why ``cypher`` may not run in read-only mode besides writing clauses (see the module docstring);
    an empty list when it may."""
    tokens = tokenize(cypher) if tokens is None else tokens
    reasons: list[str] = []
    for k, word in _keywords(tokens):
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        if word == "LOAD":
            reasons.append("LOAD reads files or extensions")
        elif word == "CALL" and nxt is not None and nxt.text not in ("{", "("):
            name, after = _procedure(tokens, k + 1)
            if after < len(tokens) and tokens[after].text == "=":
                reasons.append(f"CALL {name}=… changes a setting")
            elif name not in READ_ONLY_CALLS:
                reasons.append(f"CALL {name} is not on the read-only list ({', '.join(sorted(READ_ONLY_CALLS)[:6])}, …)")
        elif word == "USE":
            reasons.append("USE switches the database")
        elif nxt is not None and nxt.text == "(" and (tokens[k].text.lower() in FILE_FUNCTIONS):
            reasons.append(f"{tokens[k].text.lower()}() reads files")
    for k, tok in enumerate(tokens):  # apoc.load.json(...), apoc.import..., apoc.export... as functions too
        if tok.kind == "word" and tok.text.lower() == "apoc":
            name, _ = _procedure(tokens, k)
            if name.split(".")[1:2] and name.split(".")[1] in ("load", "import", "export", "cypher", "periodic"):
                reasons.append(f"{name} reaches outside the graph")
    return list(dict.fromkeys(reasons))


def check_query(cypher: str, *, write: bool = False, limits: QueryLimits | None = None) -> list[str]:
    """Check ``cypher`` before it reaches a store; return its writing clauses (empty: it only reads).

    :class:`StoreError` (one line) when the text exceeds ``limits``, and, with ``write=False``, when
    it writes (the message says to pass ``write=True`` / ``--write``) or does anything
    :func:`read_only_refusals` lists. ``limits=None`` means :data:`DEFAULT_LIMITS`.
    """
    if not isinstance(cypher, str) or not cypher.strip():
        raise StoreError("empty query")
    tokens = check_limits(cypher, limits or DEFAULT_LIMITS)
    clauses = write_clauses(cypher, tokens)
    if write:
        return clauses
    refusals = read_only_refusals(cypher, tokens)
    if refusals:
        raise StoreError(f"query refused in read-only mode: {'; '.join(refusals)}")
    if clauses:
        raise StoreError(f"query writes to the store ({', '.join(clauses)}); pass write=True "
                         "(on the command line: --write) to run it")
    return clauses


__all__ = ["DEFAULT_LIMITS", "FILE_FUNCTIONS", "QueryLimits", "READ_ONLY_CALLS", "Token", "WRITE_WORDS",
           "check_limits", "check_query", "read_only_refusals", "tokenize", "write_clauses"]
