"""The import files: one module per CSV file, each with one ``FileSpec`` subclass.

A new file is one new module here; it is found by its ``FileSpec`` subclass and placed by its
``order`` (a file may refer only to files with a lower order, or to rows already in the database).
"""

import importlib
import pkgutil

from ..spec import FileSpec


def _discover() -> list[type[FileSpec]]:
    specs = []
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        specs += [
            value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, FileSpec) and value is not FileSpec
            and value.__module__ == module.__name__
        ]
    return sorted(specs, key=lambda spec: spec.order)


SPECS: list[type[FileSpec]] = _discover()
BY_NAME: dict[str, type[FileSpec]] = {spec.name: spec for spec in SPECS}
FILE_NAMES: list[str] = [spec.name for spec in SPECS]
# {file name: [columns]} in header order, required ones first as the contract lists them.
COLUMNS: dict[str, list[str]] = {spec.name: [column.name for column in spec.columns] for spec in SPECS}
