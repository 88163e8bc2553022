"""Maintenance scripts of the book, run from the root as ``python -m tools.NAME``; tests import them."""
