"""Accounts on feed servers (Fever, Miniflux, Google Reader API): credentials, sync, offline queue."""
