"""``python -m kgmine ...``: the same command line as ``kgmine ...``."""
from kgmine.cli import main

main()
