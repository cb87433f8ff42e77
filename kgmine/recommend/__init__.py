"""kgmine.recommend."""
