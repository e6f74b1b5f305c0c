"""nastavnik: a workflow engine for municipal mentorship roadmaps (дорожные карты)."""

__version__ = "0.1.0"
