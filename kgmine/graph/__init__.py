"""kgmine.graph."""
