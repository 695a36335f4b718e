"""Entry point for ``python -m termreader``."""

from termreader.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
