"""Product matching across catalogs: blocking, pair features, a learned pair scorer and clustering.

``ProductMatcher`` (``matcher.py``) is fitted on labelled record pairs; ``block`` (``blocking.py``)
proposes candidate pairs between two tables; ``cluster_pairs`` (``cluster.py``) turns matched pairs
into products (connected components).
"""
