"""kgmine.extract."""
