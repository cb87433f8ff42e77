"""kgmine.report."""
