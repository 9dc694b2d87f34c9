"""Embedded public tables (CNNIC, census); shipped in the wheel as govstats._data."""
