"""``python -m seed``: fills every product with realistic data (see ``seed.__main__``)."""
