"""Node keys shared by the graph builders (:mod:`kgmine.graph.build`, :mod:`kgmine.graph.text_edges`)."""
from __future__ import annotations

import re
import unicodedata


def entity_key(text: str) -> str:
    """A stable node key for a name: NFKC, lower case, single spaces, no surrounding punctuation."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = re.sub(r"\s+", " ", text).strip(" .,;:-_/|")
    return text
