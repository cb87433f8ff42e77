"""kgmine.demo."""
