"""The library: the store (index, journal, article files), ingest and sample seeding."""
