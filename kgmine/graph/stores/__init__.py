"""kgmine.graph.stores."""
