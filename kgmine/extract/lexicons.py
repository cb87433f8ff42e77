"""Generic product-attribute lexicons shipped with kgmine: materials, patterns, gender and age groups.

These are general knowledge of the retail domain written for any English catalog — not learned from
and not tuned on any benchmark or demo data. Each table maps a canonical value to the spellings shops
use for it, so it can be handed to the ``kgmine_gazetteer`` as an alias table
(``{"material": material_vocab()}``); colours live in :mod:`kgmine.extract.colours`.

The canonical value is what becomes the graph node (``AttributeValue`` ``material:stainless steel``);
families (:data:`MATERIAL_FAMILIES`) group values for generalisation (``merino wool`` is a ``wool``,
which is a ``textile``).
"""
from __future__ import annotations

#: family -> canonical material -> aliases
MATERIAL_FAMILIES: dict[str, dict[str, list[str]]] = {
    "metal": {
        "stainless steel": ["stainless", "inox", "18/8 stainless steel", "18/10 stainless steel", "ss304", "304 stainless steel"],
        "steel": ["carbon steel", "alloy steel", "galvanized steel", "galvanised steel", "powder-coated steel",
                  "cold-rolled steel"],
        "cast iron": ["enameled cast iron", "enamelled cast iron"],
        "iron": ["wrought iron"],
        "aluminium": ["aluminum", "anodized aluminum", "anodised aluminium", "aluminum alloy", "aluminium alloy"],
        "copper": [], "brass": [], "bronze": [], "titanium": [], "zinc alloy": ["zinc"], "tin": [], "chrome": [],
        "nickel": [], "pewter": [], "tungsten": ["tungsten carbide"],
        "gold": ["solid gold", "yellow gold", "white gold", "rose gold",
                 *(f"{k} {c}gold" for k in ("10k", "14k", "18k", "22k", "24k", "9k", "10kt", "14kt", "18kt")
                   for c in ("", "white ", "yellow ", "rose "))],
        "silver": ["sterling silver", "925 silver", "sterling silver (925)"],
        "platinum": ["platinum 950", "950 platinum"], "palladium": ["palladium 950", "950 palladium"],
        "metal": [],
    },
    "wood": {
        "oak": ["solid oak", "white oak", "red oak"], "walnut": ["black walnut"], "pine": [], "maple": [],
        "birch": [], "beech": [], "teak": [], "mahogany": [], "cherry wood": [], "ash wood": [], "acacia": [],
        "bamboo": [], "rosewood": [], "spruce": [], "cedar": [], "basswood": [], "okoume": [],
        "mdf": ["medium-density fibreboard", "medium density fiberboard"], "plywood": [], "particleboard": [],
        "wood": ["wooden", "solid wood", "hardwood", "engineered wood"],
        "cork": [], "rattan": ["wicker"],
    },
    "textile": {
        "cotton": ["100% cotton", "organic cotton", "pima cotton", "egyptian cotton", "combed cotton"],
        "wool": ["merino wool", "merino", "lambswool", "virgin wool", "boiled wool"],
        "cashmere": [], "linen": [], "silk": [], "hemp": [], "jute": [], "denim": [], "canvas": [],
        "polyester": ["recycled polyester"], "nylon": ["ripstop nylon", "ballistic nylon", "polyamide"],
        "spandex": ["elastane", "lycra"], "acrylic": [], "viscose": ["rayon"], "modal": [], "lyocell": ["tencel"],
        "fleece": ["polar fleece"], "microfiber": ["microfibre"], "velvet": [], "corduroy": [], "satin": [],
        "chiffon": [], "twill": [], "tweed": [], "flannel": [], "mesh": [],
        "neoprene": [], "goose down": ["duck down", "down filling"], "gore-tex": ["goretex"],
    },
    "leather": {
        "leather": ["genuine leather", "full-grain leather", "full grain leather", "top-grain leather",
                    "cowhide", "calfskin", "pu leather", "faux leather", "vegan leather", "patent leather"],
        "suede": ["faux suede"], "nubuck": [],
    },
    "polymer": {
        "plastic": ["abs plastic", "bpa-free plastic", "hard plastic"], "polypropylene": [],
        "polyethylene": ["hdpe", "ldpe"], "polycarbonate": [], "pvc": ["vinyl"], "acrylic glass": ["plexiglass"],
        "silicone": ["food-grade silicone"], "rubber": ["natural rubber", "synthetic rubber"], "latex": [],
        "foam": ["memory foam", "eva foam"], "resin": ["epoxy resin"], "melamine": [], "nylon 66": [],
        "tpu": ["thermoplastic polyurethane"], "polyurethane": [], "carbon fiber": ["carbon fibre"],
        "fiberglass": ["fibreglass", "glass fiber", "glass fibre"],
    },
    "mineral": {
        "glass": ["borosilicate glass", "crystal glass"], "tempered glass": ["toughened glass"], "crystal": [], "ceramic": [],
        "porcelain": ["bone china"], "stoneware": [], "earthenware": [], "terracotta": [], "marble": [],
        "granite": [], "stone": ["natural stone"], "concrete": [], "quartz": [],
    },
    "paper": {
        "paper": ["recycled paper", "kraft paper", "cardstock", "card stock"], "cardboard": ["corrugated cardboard"],
    },
}

#: canonical pattern -> aliases
PATTERNS: dict[str, list[str]] = {
    "solid": ["solid color", "solid colour"],
    "striped": ["stripe", "stripes", "pinstripe", "pinstriped", "breton stripe"],
    "plaid": ["tartan", "buffalo check", "buffalo plaid"],
    "checked": ["checkered", "chequered", "gingham", "houndstooth"],
    "floral": ["flower print", "floral print"],
    "polka dot": ["polka dots", "dotted", "spotted"],
    "paisley": [], "geometric": ["geometric print"], "abstract": ["abstract print"],
    "camouflage": ["camo", "camouflage print"],
    "animal print": ["leopard", "leopard print", "zebra print", "snake print", "snakeskin", "tiger print"],
    "herringbone": [], "chevron": ["zigzag", "zig-zag"], "argyle": [], "tie-dye": ["tie dye"],
    "graphic print": ["letter print", "cartoon print"],
    "patchwork": [], "embroidered": ["embroidery"], "quilted": [], "ombre": [],
}

#: canonical gender / age group -> aliases
GENDER_AGE: dict[str, list[str]] = {
    "men": ["men's", "mens", "gents", "gentlemen", "for him"],
    "women": ["women's", "womens", "ladies", "lady's", "ladies'", "for her"],
    "unisex": ["unisex", "men and women", "men & women", "men/women"],
    "boys": ["boy's", "boys'"],
    "girls": ["girl's", "girls'"],
    "kids": ["kid's", "kids'", "children", "children's", "childrens", "youth", "junior", "juniors"],
    "baby": ["babies", "infant", "infants", "newborn", "toddler", "toddlers"],
    "teens": ["teen", "teenager", "teenagers"],
    "adult": ["adults", "grown-up"],
}

#: the value types of the open-vocabulary extractor and what each holds
VALUE_TYPES: dict[str, str] = {
    "brand": "the maker or label (Brand node)",
    "colour": "a colour family (black, blue, metallic ...)",
    "material": "a material (canonical name, family in MATERIAL_FAMILIES)",
    "pattern": "a surface pattern (striped, floral ...)",
    "gender": "the gender or age group the product is for",
    "size": "a garment/shoe/bed size (M, XL, UK 9, EU 42, queen)",
    "dimensions": "a length or a W x D x H list, in centimetres",
    "width": "a marked width, in centimetres", "depth": "a marked depth, in centimetres",
    "height": "a marked height, in centimetres", "length": "a marked length, in centimetres",
    "diameter": "a marked diameter, in centimetres",
    "weight": "a mass, in grams",
    "volume": "a liquid volume, in millilitres",
    "capacity": "a storage or power capacity (GB, TB, W, mAh)",
    "quantity": "pieces per pack or pack size, a count",
    "model_number": "a model, part or stock number, as written",
}


def material_vocab() -> dict[str, list[str]]:
    """``{material: [aliases]}`` over every family (a gazetteer alias table)."""
    return {m: list(aliases) for fam in MATERIAL_FAMILIES.values() for m, aliases in fam.items()}


def material_family(material: str) -> str | None:
    """The family of a canonical material (``"merino wool"`` is not canonical; ``"wool"`` -> ``"textile"``)."""
    for family, table in MATERIAL_FAMILIES.items():
        if material in table:
            return family
    return None


def pattern_vocab() -> dict[str, list[str]]:
    """``{pattern: [aliases]}``."""
    return {k: list(v) for k, v in PATTERNS.items()}


def gender_vocab() -> dict[str, list[str]]:
    """``{gender or age group: [aliases]}``."""
    return {k: [a for a in v if a != k] for k, v in GENDER_AGE.items()}
