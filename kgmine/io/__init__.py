"""kgmine.io."""
