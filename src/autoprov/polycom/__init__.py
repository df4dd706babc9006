"""Polycom knowledge: models, MAC addresses, User-Agent strings, unique IDs and configuration
rendering. Pure functions over values; no I/O beyond reading the package's own data."""
