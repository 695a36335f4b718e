"""Entry point for ``python -m termreader``."""

from termreader.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
