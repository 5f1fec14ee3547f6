"""The CSV import of the registry: ``manage.py import_registry`` and the browser upload (docs/import.md)."""
