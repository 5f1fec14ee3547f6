"""The UI is Dutch by default: every message of our own has a Dutch translation."""

from pathlib import Path

import polib
import pytest
from django.urls import reverse
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


# The same menu in both languages: (English, Dutch).
MENU = [("Groups", "Collectieven"), ("Participants", "Deelnemers"), ("Log out", "Uitloggen")]


@pytest.mark.django_db
def test_switching_to_english_shows_an_english_page_without_the_dutch_words(client_for, worker):
    """Not gettext on an English msgid (which is always English), but a rendered page: the
    language switch must really reach the templates, and nothing Dutch may stay behind."""
    client = client_for(worker)
    dutch = client.get(reverse("participants:list")).content.decode()
    assert 'lang="nl"' in dutch
    for english, nederlands in MENU:
        assert f">{nederlands}<" in dutch and f">{english}<" not in dutch, english

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("participants:list")})
    assert response.status_code == 302
    english_page = client.get(reverse("participants:list")).content.decode()
    assert 'lang="en"' in english_page
    for english, nederlands in MENU:
        assert f">{english}<" in english_page and f">{nederlands}<" not in english_page, english
