"""Refresh the Dutch catalogue: makemessages, fill msgstr from locale/staging/*.json, compile.

Several people may run this at once: a file lock serialises the runs. Each area keeps its own
staging file (``{"English msgid": "Nederlandse vertaling"}``), so nobody edits the .po by hand at
the same time as someone else. Prints the msgids that still lack a Dutch translation.
"""

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

BASE = Path(__file__).resolve().parent.parent
PO = BASE / "locale" / "nl" / "LC_MESSAGES" / "django.po"
IGNORES = ["--ignore=.venv", "--ignore=node_modules", "--ignore=staticfiles", "--ignore=tests", "--ignore=media"]


def main() -> int:
    with open("/tmp/collectief-i18n.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        python = sys.executable
        subprocess.run(
            [python, "manage.py", "makemessages", "-l", "nl", "--no-location", "-v0", *IGNORES],
            cwd=BASE,
            check=True,
        )
        staged = {}
        for path in sorted((BASE / "locale" / "staging").glob("*.json")):
            staged.update(json.loads(path.read_text(encoding="utf-8")))
        po = polib.pofile(str(PO))
        for entry in po:
            if entry.obsolete:
                continue
            key = entry.msgid
            if key in staged:
                if entry.msgid_plural and isinstance(staged[key], list):
                    entry.msgstr_plural = dict(enumerate(staged[key]))
                else:
                    entry.msgstr = staged[key]
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
        po.save()
        subprocess.run([python, "manage.py", "compilemessages", "-v0", *IGNORES[:2]], cwd=BASE, check=True)
        missing = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
        for msgid in missing:
            print(f"untranslated: {msgid!r}")
        print(f"{len(missing)} untranslated of {len([e for e in po if not e.obsolete])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
