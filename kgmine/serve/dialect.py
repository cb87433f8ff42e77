"""Neo4j Cypher spellings the embedded LadybugDB store does not accept, translated for the query tab.

Only function names outside string literals are rewritten; what is translated is reported back so
the page can say so. ``explain`` adds a hint to a LadybugDB error that names one of the differences.

>>> to_ladybug("MATCH ()-[r]->() RETURN type(r) AS t, 'type(x)' AS s")
("MATCH ()-[r]->() RETURN label(r) AS t, 'type(x)' AS s", ['type(…) → label(…)'])
"""
from __future__ import annotations

import re

#: Neo4j function -> LadybugDB function (same arguments).
FUNCTIONS = {"type": "label"}

_STRINGS = re.compile(r"('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`)")

HINTS = {
    "type": "LadybugDB spells type(r) as label(r)",
    "elementid": "LadybugDB has no elementId(n): use n.id (id(n) is its internal {offset, table})",
    "shortestpath": "LadybugDB writes shortest paths as (a)-[* SHORTEST 1..5]->(b)",
}


def to_ladybug(cypher: str) -> tuple[str, list[str]]:
    """``cypher`` with Neo4j-only function names replaced, and the replacements made."""
    done: list[str] = []
    parts = _STRINGS.split(cypher)
    for i in range(0, len(parts), 2):                    # even parts are outside string literals
        for neo, lady in FUNCTIONS.items():
            pattern = re.compile(rf"(?<![\w.]){neo}\s*\(", re.IGNORECASE)
            if pattern.search(parts[i]):
                parts[i] = pattern.sub(f"{lady}(", parts[i])
                done.append(f"{neo}(…) → {lady}(…)")
    return "".join(parts), list(dict.fromkeys(done))


def explain(message: str, cypher: str) -> str:
    """``message`` (a LadybugDB error for ``cypher``) with a hint when the query uses a Neo4j spelling
    LadybugDB lacks."""
    low = re.sub(r"\s+", "", _STRINGS.sub("", cypher).lower())
    hints = [h for name, h in HINTS.items() if f"{name}(" in low]
    return message if not hints else f"{message} ({'; '.join(hints)})"


__all__ = ["FUNCTIONS", "explain", "to_ladybug"]
