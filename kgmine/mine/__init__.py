"""kgmine.mine."""
