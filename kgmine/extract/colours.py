"""Colour names grouped into families, for matching and generalising colour values.

:data:`COLOUR_FAMILIES` maps a family (the basic colour terms of Berlin & Kay 1969 plus ``metallic``,
``clear`` and ``multi``) to names of colours, shades and finishes that shops use for it. It serves as a
gazetteer vocabulary (``{"colour_family": colour_vocab()}``) whose canonical value is the family,
and as features for learning a shop's own colour classes (see ``AttributeExtractor``).
"""
from __future__ import annotations

COLOUR_FAMILIES: dict[str, list[str]] = {
    "black": ["black", "ebony", "jet black", "onyx", "matte black"],
    "white": ["white", "snow white", "off-white", "ivory", "pearl"],
    "grey": ["grey", "charcoal", "slate", "graphite", "ash", "smoke", "gunmetal"],
    "metallic": ["silver", "chrome", "stainless", "stainless steel", "metallic", "nickel", "brushed nickel",
                 "aluminum", "pewter", "steel", "platinum", "titanium"],
    "brown": ["brown", "tan", "chocolate", "espresso", "walnut", "mahogany", "cherry", "mocha", "coffee", "bronze",
              "chestnut", "oak", "cognac", "camel"],
    "beige": ["beige", "cream", "khaki", "sand", "natural", "taupe", "buff", "oatmeal", "champagne", "kraft",
              "manila"],
    "green": ["green", "olive", "lime", "mint", "sage", "emerald", "forest green", "army green", "jade"],
    "blue": ["blue", "navy", "turquoise", "aqua", "cobalt", "royal blue", "sky blue", "denim", "indigo", "teal",
             "cyan"],
    "red": ["red", "burgundy", "maroon", "crimson", "scarlet", "wine", "cardinal", "ruby", "brick"],
    "pink": ["pink", "rose", "magenta", "fuchsia", "blush", "coral", "salmon"],
    "yellow": ["yellow", "gold", "mustard", "lemon", "canary", "amber"],
    "orange": ["orange", "copper", "rust", "peach", "apricot", "tangerine"],
    "purple": ["purple", "violet", "lavender", "plum", "lilac", "mauve", "orchid"],
    "clear": ["clear", "transparent", "translucent", "frosted", "colorless", "colourless"],
    "multi": ["assorted", "multicolor", "multicolour", "multi-color", "multi-colour", "rainbow", "assorted colors",
              "assorted colours", "various colors"],
}


def colour_vocab() -> dict[str, list[str]]:
    """``{family: [names]}`` — a gazetteer alias table whose canonical values are the families."""
    return {family: [n for n in names if n != family] for family, names in COLOUR_FAMILIES.items()}


def colour_family(name: str) -> str | None:
    """The family of a colour name (``"navy"`` -> ``"blue"``), ``None`` if unknown."""
    low = name.strip().lower()
    for family, names in COLOUR_FAMILIES.items():
        if low == family or low in names:
            return family
    return None
