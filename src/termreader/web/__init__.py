"""The network side: fetching, feeds, OPML, link policy and offline sync."""
