"""benchmarks/attribute_precision.py: judged values no longer written count as dropped, not in the precision;
a held-out sample excludes only the products judged in earlier samples."""
import importlib.util
from pathlib import Path

import pandas as pd

SPEC = importlib.util.spec_from_file_location(
    "attribute_precision", Path(__file__).resolve().parents[1] / "benchmarks" / "attribute_precision.py")
ap = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(ap)


def _rows(*rows):
    return pd.DataFrame(rows, columns=["product_id", "field", "attribute", "start", "end"])


def test_score_counts_judged_values_no_longer_written_as_dropped():
    written = _rows(("p1", "title", "brand", 0, 5), ("p2", "title", "brand", 0, 4), ("p3", "title", "gender", 3, 8))
    labels = _rows(("p1", "title", "brand", 0, 5), ("p2", "title", "brand", 0, 4), ("p4", "title", "brand", 0, 3),
                   ("p5", "title", "brand", 2, 6), ("p6", "title", "colour", 0, 3)).assign(correct=[1, 0, 1, 0, 0])
    table, totals = ap.score(written, labels)
    brand = table.set_index("attribute").loc["brand"]
    assert (brand["written"], brand["judged"], brand["correct"]) == (2, 2, 1)
    assert (brand["dropped_correct"], brand["dropped_wrong"]) == (1, 1)
    assert brand["precision"] == 0.5
    assert totals["attributes"]["colour"]["written"] == 0 and totals["attributes"]["colour"]["dropped_wrong"] == 1
    assert totals["attributes"]["colour"]["precision"] is None
    assert (totals["judged"], totals["dropped_correct"], totals["dropped_wrong"]) == (2, 1, 2)


def test_held_out_sample_excludes_products_of_earlier_samples_only():
    even = [p for p in (f"P{i}" for i in range(40)) if ap.held_out_half(p)][:3]
    odd = next(p for p in (f"P{i}" for i in range(40)) if not ap.held_out_half(p))
    values = _rows(*[(p, "title", "brand", 0, 3) for p in [*even, odd]])
    labels = pd.DataFrame({"sample": [ap.SAMPLES["meta-holdout"], ap.SAMPLES["meta-holdout3"]],
                           "product_id": [even[0], even[1]]})
    kept = set(ap.restrict(values, "meta-holdout2", labels)["product_id"])
    assert kept == {even[1], even[2]}  # a later sample's products stay in an earlier sample's universe
    assert set(ap.restrict(values, "meta-holdout3", labels)["product_id"]) == {even[1], even[2]}
    assert len(ap.restrict(values, "meta-holdout", labels)) == 4
