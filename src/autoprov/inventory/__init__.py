"""Inventory: phones, users, lines, unique-ID reservations and site settings."""
