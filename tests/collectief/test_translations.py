"""The UI is Dutch by default: every message of our own has a Dutch translation."""

from pathlib import Path

import polib
from django.utils import translation

PO = Path(__file__).resolve().parents[2] / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_dutch_translation():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert len(po.translated_entries()) > 200
    assert untranslated == []
    assert fuzzy == []


def test_compiled_catalogue_is_used():
    with translation.override("nl"):
        assert translation.gettext("Participants") == "Deelnemers"
        assert translation.gettext("Log in") == "Inloggen"
    with translation.override("en"):
        assert translation.gettext("Participants") == "Participants"
