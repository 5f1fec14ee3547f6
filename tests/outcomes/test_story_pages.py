"""Stories' pages: a group's stories (add, edit, delete, consent, small groups) and choosing three for
the yearly report (issue 12)."""

import datetime
import re

import pytest
from django.urls import reverse

from collectief.models import AuditEvent
from outcomes.models import Story, ThemeTag
from participants.models import Consent
from tests.factories import EnrolmentFactory, GroupFactory, ParticipantFactory

DAY = datetime.date(2024, 6, 1)


def text(response) -> str:
    return response.content.decode()


def tag(code) -> ThemeTag:
    return ThemeTag.objects.get(code=code)


def consent(participant, given, day=DAY):
    Consent.objects.create(participant=participant, purpose=Consent.Purpose.QUOTE_REPORT, given=given, date=day)


def make_group(team, residents: int, name="Kookgroep Bilgaard", **fields):
    group = GroupFactory(team=team, name=name, **fields)
    members = [ParticipantFactory(team=team, first_name=f"Hiltje{i}", last_name="Dijkstrama") for i in range(residents)]
    for member in members:
        EnrolmentFactory(group=group, participant=member)
    return group, members


def story(group, name="Anna", participant=None, day=DAY, chosen=None, tags=(), body="Ik ging weer de deur uit."):
    made = Story.objects.create(group=group, display_name=name, text=body, date=day, participant=participant,
                                chosen_for_year=chosen)
    made.tags.set([tag(code) for code in tags])
    return made


def story_post(**fields):
    return {"text": "In de groep vond ik mensen die hetzelfde meemaakten.", "display_name": "Anna",
            "date": DAY.isoformat(), "tags": [tag("sociale_contacten").pk, tag("bewegen").pk], "participant": "",
            **fields}


@pytest.fixture
def group(team_a, worker):
    group, members = make_group(team_a, 5)
    group.facilitators.set([worker])
    group.members = members
    return group


# --- Add, edit, delete -------------------------------------------------------------------------------


def test_a_worker_adds_a_story_with_tags_and_finds_it_in_the_list(group, client_for, worker):
    client = client_for(worker)
    form = text(client.get(reverse("outcomes:story_add", args=[group.pk])))
    assert "nooit de echte naam" in form and "Sociale contacten" in form and "Gezelligheid en sfeer" in form
    assert f'name="date" value="{datetime.date.today().isoformat()}"' in form

    response = client.post(reverse("outcomes:story_add", args=[group.pk]), story_post())

    assert response.status_code == 302
    saved = Story.objects.get()
    assert (saved.group, saved.display_name, saved.date, saved.participant, saved.created_by) == (
        group, "Anna", DAY, None, worker)
    assert {t.code for t in saved.tags.all()} == {"sociale_contacten", "bewegen"}
    assert AuditEvent.objects.filter(event="story.created", user=worker, object_id=str(saved.pk)).exists()
    page = text(client.get(reverse("outcomes:stories", args=[group.pk])))
    assert "Anna" in page and "1 juni 2024" in page and "Sociale contacten" in page and "Bewegen" in page
    assert "Kan worden aangeboden voor een rapportage" in page


def test_linking_a_resident_without_consent_is_refused_and_points_to_the_consent_section(group, client_for, worker):
    resident = group.members[0]
    consent(resident, True, DAY - datetime.timedelta(days=60))
    consent(resident, False, DAY - datetime.timedelta(days=10))  # withdrawn since: the newest counts

    response = client_for(worker).post(reverse("outcomes:story_add", args=[group.pk]),
                                       story_post(participant=resident.pk))

    assert response.status_code == 200
    page = text(response)
    assert f"{resident.full_name} heeft geen toestemming gegeven om geciteerd te worden" in page
    assert f'href="{reverse("participants:detail", args=[resident.pk])}#consent"' in page
    assert not Story.objects.exists()


def test_a_resident_who_consented_can_be_linked_and_the_event_names_them(group, client_for, worker):
    resident = group.members[1]
    consent(resident, True)
    client = client_for(worker)
    form = text(client.get(reverse("outcomes:story_add", args=[group.pk])))
    assert f"{resident.full_name} (toestemming om te citeren gegeven)" in form
    assert f"{group.members[0].full_name} (geen toestemming om te citeren)" in form

    response = client.post(reverse("outcomes:story_add", args=[group.pk]), story_post(participant=resident.pk))

    assert response.status_code == 302
    assert Story.objects.get().participant == resident
    event = AuditEvent.objects.get(event="story.created")
    assert event.participant_ids == [resident.pk]


def test_a_resident_of_another_group_cannot_be_linked(group, team_a, client_for, worker):
    stranger = ParticipantFactory(team=team_a)
    consent(stranger, True)

    response = client_for(worker).post(reverse("outcomes:story_add", args=[group.pk]),
                                       story_post(participant=stranger.pk))

    assert response.status_code == 200
    assert "Kies een inwoner van deze groep, of niemand" in text(response)
    assert not Story.objects.exists()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"text": "", "display_name": ""}, "Schrijf het verhaal"),
        ({"display_name": ""}, "Kies een (verzonnen) voornaam"),
        ({"date": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()}, "toekomst"),
        ({"date": "2024-02-30"}, "geldige datum"),
        ({"text": "x" * 3001}, "hoogstens 3000 tekens"),
        ({"tags": ["99999999999999999999"]}, "Kies uit de lijst wat de groep betekende"),
        ({"text": "Bel me op 06-12345678."}, "telefoonnummer"),
    ],
)
def test_invalid_input_gives_a_dutch_message_and_saves_nothing(group, client_for, worker, fields, message):
    response = client_for(worker).post(reverse("outcomes:story_add", args=[group.pk]), story_post(**fields))

    assert response.status_code == 200
    assert message in text(response)
    assert not Story.objects.exists()


def test_the_real_name_of_the_linked_resident_is_refused_as_name_shown(group, client_for, worker):
    resident = group.members[2]
    consent(resident, True)

    response = client_for(worker).post(reverse("outcomes:story_add", args=[group.pk]),
                                       story_post(participant=resident.pk, display_name=resident.first_name))

    assert "Dit is de echte naam van de inwoner" in text(response)
    assert not Story.objects.exists()


def test_a_story_naming_a_resident_in_full_is_refused(group, client_for, worker):
    named = group.members[3]

    response = client_for(worker).post(reverse("outcomes:story_add", args=[group.pk]),
                                       story_post(text=f"Samen met {named.full_name} ging ik wandelen."))

    assert "naam van een inwoner" in text(response)
    assert not Story.objects.exists()


def test_editing_a_story_changes_it_and_is_audited(group, client_for, worker):
    saved = story(group, tags=["bewegen"])

    response = client_for(worker).post(reverse("outcomes:story_edit", args=[group.pk, saved.pk]),
                                       story_post(display_name="Bram", tags=[tag("minder_eenzaam").pk]))

    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.display_name == "Bram"
    assert [t.code for t in saved.tags.all()] == ["minder_eenzaam"]
    event = AuditEvent.objects.get(event="story.updated")
    assert "display_name" in event.data["fields"] and event.data["story"] == saved.pk


def test_deleting_a_story_asks_first_and_is_audited_under_the_resident(group, client_for, worker):
    resident = group.members[0]
    consent(resident, True)
    saved = story(group, participant=resident)
    client = client_for(worker)
    url = reverse("outcomes:story_delete", args=[group.pk, saved.pk])

    assert "Dit verhaal verwijderen?" in text(client.get(url))
    assert Story.objects.filter(pk=saved.pk).exists()
    response = client.post(url)

    assert response.status_code == 302
    assert not Story.objects.filter(pk=saved.pk).exists()
    event = AuditEvent.objects.get(event="story.deleted")
    assert (event.user, event.participant_ids, event.data["story"]) == (worker, [resident.pk], saved.pk)


# --- What may be offered ---------------------------------------------------------------------------------


def test_the_list_says_why_a_story_cannot_be_offered(team_a, group, client_for, worker):
    small, small_members = make_group(team_a, 4, name="Kleine kring")
    story(small, name="Ria")
    linked = group.members[0]
    consent(linked, True, DAY - datetime.timedelta(days=90))
    story(group, name="Wim", participant=linked)
    consent(linked, False)  # withdrawn later
    client = client_for(worker)

    small_page = text(client.get(reverse("outcomes:stories", args=[small.pk])))
    page = text(client.get(reverse("outcomes:stories", args=[group.pk])))

    assert "Ria" in small_page and "minder dan 5 inwoners" in small_page
    assert "Niet aangeboden voor een rapportage" in small_page
    assert "Wim" in page and "geen toestemming gegeven (of die ingetrokken)" in page
    assert f"Gekoppeld aan {linked.full_name}" in page
    event = AuditEvent.objects.filter(event="story.viewed", user=worker).latest("pk")
    assert event.participant_ids == [linked.pk]


def test_the_story_list_runs_a_fixed_number_of_queries(group, client_for, worker, django_assert_max_num_queries):
    for i in range(30):
        resident = group.members[i % 5]
        consent(resident, True)
        story(group, name=f"Naam{i}", participant=resident if i % 2 else None, tags=["bewegen", "gezelligheid"])
    client = client_for(worker)
    client.get(reverse("outcomes:stories", args=[group.pk]))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("outcomes:stories", args=[group.pk]))
    assert text(response).count('class="list-group-item"') == 30


# --- Access --------------------------------------------------------------------------------------------------


def test_another_team_gets_404_and_a_municipality_contact_403(group, team_b, client_for, outsider, municipality_user,
                                                                 client):
    saved = story(group)
    urls = [
        reverse("outcomes:stories", args=[group.pk]),
        reverse("outcomes:story_add", args=[group.pk]),
        reverse("outcomes:story_edit", args=[group.pk, saved.pk]),
        reverse("outcomes:story_delete", args=[group.pk, saved.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    client_for(outsider)
    for url in urls:
        assert client.get(url).status_code == 404
    for url in urls[1:]:
        assert client.post(url, story_post()).status_code == 404
    client_for(municipality_user)
    for url in urls:
        assert client.get(url).status_code == 403
    assert Story.objects.get().display_name == "Anna"


def test_a_story_of_another_group_cannot_be_opened_through_this_group(group, team_a, client_for, worker):
    other, _ = make_group(team_a, 5, name="Wandelclub")
    elsewhere = story(other, name="Kees")
    client = client_for(worker)

    assert client.get(reverse("outcomes:story_edit", args=[group.pk, elsewhere.pk])).status_code == 404
    assert client.post(reverse("outcomes:story_delete", args=[group.pk, elsewhere.pk])).status_code == 404
    assert Story.objects.filter(pk=elsewhere.pk).exists()


def test_the_group_page_links_to_its_stories(group, client_for, worker):
    page = text(client_for(worker).get(reverse("groups:detail", args=[group.pk])))
    assert reverse("outcomes:stories", args=[group.pk]) in page


# --- Choosing three for the yearly report ----------------------------------------------------------------


def choose_url(municipality, year=2024):
    return f"{reverse('outcomes:stories_choose')}?municipality={municipality.pk}&year={year}"


def test_the_coordinator_sees_the_offerable_stories_with_tag_counts(team_a, group, municipality, client_for,
                                                                       coordinator):
    small, _ = make_group(team_a, 4, name="Kleine kring")
    story(group, name="Anna", tags=["sociale_contacten", "bewegen"])
    story(group, name="Bram", tags=["sociale_contacten"])
    story(small, name="Ria", tags=["sociale_contacten"])
    story(group, name="Vorigjaar", day=datetime.date(2023, 5, 1), tags=["sociale_contacten"])

    page = text(client_for(coordinator).get(choose_url(municipality)))

    assert "Anna" in page and "Bram" in page
    assert "Ria" not in page and "Vorigjaar" not in page
    assert "Sociale contacten (2×)" in page and "Bewegen (1×)" in page
    assert "0 van 3 verhalen gekozen" in page
    event = AuditEvent.objects.filter(event="story.viewed", user=coordinator).latest("pk")
    assert event.data["page"] == "choose"


def test_up_to_three_stories_are_chosen_and_a_fourth_is_refused(group, municipality, client_for, coordinator):
    made = [story(group, name=name) for name in ("Anna", "Bram", "Cor", "Dirk")]
    client = client_for(coordinator)
    url = choose_url(municipality)

    for item in made[:3]:
        assert client.post(url, {"story": item.pk, "action": "choose"}).status_code == 302
    page = text(client.post(url, {"story": made[3].pk, "action": "choose"}, follow=True))

    assert "Er kunnen hoogstens drie verhalen" in page
    assert sorted(Story.objects.filter(chosen_for_year=2024).values_list("display_name", flat=True)) == [
        "Anna", "Bram", "Cor"]
    assert "3 van 3 verhalen gekozen" in page
    client.post(url, {"story": made[0].pk, "action": "unchoose"})
    client.post(url, {"story": made[3].pk, "action": "choose"})
    assert sorted(Story.objects.filter(chosen_for_year=2024).values_list("display_name", flat=True)) == [
        "Bram", "Cor", "Dirk"]
    assert AuditEvent.objects.filter(event="story.updated", user=coordinator).count() == 5


def test_a_story_that_lost_its_consent_can_still_be_taken_back(group, municipality, client_for, coordinator):
    resident = group.members[0]
    consent(resident, True, DAY - datetime.timedelta(days=30))
    lost = story(group, name="Wim", participant=resident, chosen=2024)
    consent(resident, False)
    client = client_for(coordinator)

    page = text(client.get(choose_url(municipality)))
    assert "Gekozen, maar niet meer aangeboden" in page and "Wim" in page

    client.post(choose_url(municipality), {"story": lost.pk, "action": "unchoose"})
    lost.refresh_from_db()
    assert lost.chosen_for_year is None


def test_a_story_that_cannot_be_offered_cannot_be_chosen(team_a, team_b, group, municipality, client_for,
                                                            coordinator):
    small, _ = make_group(team_a, 4, name="Kleine kring")
    too_small = story(small, name="Ria")
    foreign, _ = make_group(team_b, 5, name="Heidekring")
    elsewhere = story(foreign, name="Olga")
    client = client_for(coordinator)

    for item in (too_small, elsewhere):
        page = text(client.post(choose_url(municipality), {"story": item.pk, "action": "choose"}, follow=True))
        assert "kan niet worden aangeboden" in page
    assert not Story.objects.filter(chosen_for_year__isnull=False).exists()


def test_only_coordinators_choose_and_only_for_their_municipality(group, other_municipality, client_for, worker,
                                                                     coordinator, municipality_user, client):
    url = reverse("outcomes:stories_choose")
    assert client_for(worker).get(url).status_code == 403
    assert client_for(municipality_user).get(url).status_code == 403
    response = client_for(coordinator).get(f"{url}?municipality={other_municipality.pk}&year=2024")
    assert response.status_code == 200
    assert "Kies een van je gemeenten" in text(response)


def test_the_experiences_page_links_to_the_choice(municipality, client_for, coordinator):
    page = text(client_for(coordinator).get(f"{reverse('outcomes:survey_table')}?municipality={municipality.pk}"
                                            "&period=2024"))
    assert f"{reverse('outcomes:stories_choose')}?municipality={municipality.pk}&amp;year=2024" in page


def test_the_choice_page_runs_a_fixed_number_of_queries(group, municipality, client_for, coordinator,
                                                        django_assert_max_num_queries):
    for i in range(30):
        resident = group.members[i % 5]
        consent(resident, True)
        story(group, name=f"Naam{i}", participant=resident if i % 2 else None, tags=["bewegen", "gezelligheid"],
              chosen=2024 if i < 3 else None)
    client = client_for(coordinator)
    client.get(choose_url(municipality))
    with django_assert_max_num_queries(20):
        response = client.get(choose_url(municipality))
    assert len(re.findall(r'id="offered-\d+"', text(response))) == 30


# --- In Chromium -------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_a_worker_writes_a_story_and_the_coordinator_chooses_it_without_axe_violations(
    transactional_db, browser, live_server, team_a, worker, coordinator, municipality
):
    from tests.e2e.test_accessibility import Audit, browser_as, submit

    group, members = make_group(team_a, 5, name="Wandelgroep Camminghaburen")
    group.facilitators.set([worker])
    consent(members[0], False)
    today = datetime.date.today()
    with browser_as(browser, live_server, worker.username) as page:
        audit = Audit(page, live_server, "worker")
        audit.goto(f"/collectieven/{group.pk}/")
        submit(page, page.locator("#stories-link"))
        audit.check("a group's stories, none yet", state="#no-stories")
        submit(page, page.locator("#story-add"))
        audit.check("add a story", state="#story-form")
        page.get_by_label("Het verhaal").fill("Door de wandelingen heb ik weer mensen om me heen.")
        page.get_by_label("Getoonde naam").fill("Marijke")
        page.get_by_label("Sociale contacten").check()
        page.get_by_label("Minder eenzaam").check()
        page.get_by_label("Inwoner (niet verplicht)").select_option(str(members[0].pk))
        submit(page, page.get_by_role("button", name="Verhaal bewaren"))
        audit.check("a resident without consent is refused", state="#consent-link")
        assert not Story.objects.exists()
        page.get_by_label("Inwoner (niet verplicht)").select_option("")
        submit(page, page.get_by_role("button", name="Verhaal bewaren"))
        audit.check("the story in the list", state="#stories .story-offered")
        saved = Story.objects.get()
        assert (saved.display_name, saved.participant, saved.date) == ("Marijke", None, today)
        assert {t.code for t in saved.tags.all()} == {"sociale_contacten", "minder_eenzaam"}
        audit.check("delete a story?", f"/collectieven/{group.pk}/verhalen/{saved.pk}/verwijderen/")
    with browser_as(browser, live_server, coordinator.username) as page:
        choice = Audit(page, live_server, "coordinator")
        choice.goto(f"/ervaringen/?municipality={municipality.pk}&period={today.year}")
        submit(page, page.locator("#stories-choose-link"))
        choice.check("stories for the yearly report", state="#offered-stories")
        assert "Sociale contacten (1×)" in page.locator("#story-tags").inner_text()
        submit(page, page.get_by_role("button", name="Kiezen voor de rapportage (Marijke)"))
        choice.check("one story chosen", state="#chosen-count")
        assert "1 van 3 verhalen gekozen" in page.locator("#chosen-count").inner_text()
    saved.refresh_from_db()
    assert saved.chosen_for_year == today.year
    assert not audit.failures + choice.failures, audit.report() + choice.report()
