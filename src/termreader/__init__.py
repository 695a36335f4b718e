"""termreader: a terminal reader for articles, instant, offline and safe."""

__version__ = "0.1.0"
