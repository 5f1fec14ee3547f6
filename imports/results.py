"""What an import found and did: per file the counts and the errors, each with file, line and column.

Plain dataclasses that round-trip through JSON, so the worker can store a result on its
``ImportRun`` and the page shows it exactly as the command prints it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _


@dataclass
class Issue:
    """One problem: file, line (1 = header row), column and a message for the administrator."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.column or '-'}: {self.message}"


@dataclass
class FileResult:
    name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[Issue] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def error(self, line: int, column: str, message) -> None:
        self.errors.append(Issue(self.name, line, column, str(message)))

    def summary(self, applied: bool) -> str:
        """``participants.csv: 3 created, …`` after a run that saved; ``3 to create, …`` when nothing was."""
        counts = {"file": self.name, "created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        if applied:
            return _("%(file)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged") % counts
        return _("%(file)s: %(created)s to create, %(updated)s to update, %(unchanged)s unchanged") % counts


@dataclass
class ImportResult:
    files: dict[str, FileResult] = field(default_factory=dict)
    # Human-readable notes such as "New team: Wijkteam Noord (Leeuwarden)".
    created_places: list[str] = field(default_factory=list)
    dry_run: bool = False
    # True when the changes were committed (not a dry run and no errors).
    applied: bool = False

    @property
    def errors(self) -> list[Issue]:
        return [issue for result in self.files.values() for issue in result.errors]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return sum(r.created for r in self.files.values())

    @property
    def updated(self) -> int:
        return sum(r.updated for r in self.files.values())

    def to_dict(self) -> dict:
        data = asdict(self)
        data["files"] = list(data["files"].values())  # a list keeps the import order in JSON
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ImportResult:
        files = {}
        for item in data.get("files", []):
            errors = [Issue(**issue) for issue in item.get("errors", [])]
            files[item["name"]] = FileResult(**{**item, "errors": errors})
        return cls(
            files=files,
            created_places=list(data.get("created_places", [])),
            dry_run=bool(data.get("dry_run")),
            applied=bool(data.get("applied")),
        )
