"""Foundations every layer shares: settings, the error type, Russian text and dates, numbers and
text from forms, spreadsheet safety, the clock of the shells.

Imports nothing of the project (the layer contract in pyproject.toml enforces it).
"""
