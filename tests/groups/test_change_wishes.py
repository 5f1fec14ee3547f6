"""The change wish (veranderwens) as a thread through a group (issue 12): chosen when enrolling,
shown on the roll call when switched on, "hoe staat het met je veranderwens?" at the end, and the
group's internal figures."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from collectief.models import AuditEvent
from groups import services
from groups.models import Enrolment
from participants.models import ChangeWish, ChangeWishNote
from tests.factories import ChangeWishFactory, EnrolmentFactory, ParticipantFactory

from .conftest import on_the_list

D = datetime.date
TODAY = timezone.localdate


@pytest.fixture
def fatima(team_a):
    return ParticipantFactory(team=team_a, first_name="Fatima", last_name="El Amrani", postcode="8921 AB")


@pytest.fixture
def johan(team_a):
    return ParticipantFactory(team=team_a, first_name="Johan", last_name="de Vries", postcode="8921 CD")


@pytest.fixture
def money_wish(fatima):
    return ChangeWishFactory(participant=fatima, text="Ik wil weer grip op mijn geld", status="open",
                             start_date=D(2024, 2, 1))


def enrol_url(group):
    return reverse("groups:enrol", args=[group.pk])


def enrol_data(participant, **extra):
    return {"participant": participant.pk, "role": "participant", "referral_source": "", "start_date": "2024-09-03",
            **extra}


def wish_events(event):
    return AuditEvent.objects.filter(event=event, data__has_key="change_wish")


# --- Choosing the wish when enrolling ------------------------------------------------------------------


def test_the_search_offers_each_residents_open_and_worked_on_wishes(client_for, worker, group, fatima, johan,
                                                                    money_wish):
    ChangeWishFactory(participant=fatima, text="Minder alleen zijn", status="working")
    ChangeWishFactory(participant=fatima, text="Een baan vinden", status="achieved", start_date=D(2024, 1, 1),
                      end_date=D(2024, 6, 1))
    ChangeWishFactory(participant=fatima, text="Verhuizen", status="dropped", start_date=D(2024, 1, 1),
                      end_date=D(2024, 6, 1))
    body = client_for(worker).get(enrol_url(group), {"q": "8921"}).content.decode()
    assert "Ik wil weer grip op mijn geld" in body and "Minder alleen zijn" in body
    assert "Een baan vinden" not in body and "Verhuizen" not in body
    assert f'name="change_wishes" value="{money_wish.pk}"' in body
    # Johan has no wish yet: he gets the field to write one, under his own name.
    assert f'name="new_wish-{johan.pk}"' in body and f'name="new_wish-{fatima.pk}"' in body
    assert "Een veranderwens, in de eigen woorden van de inwoner" in body
    event = AuditEvent.objects.get(event="participant.viewed", data__page="enrol_search")
    assert event.data["wishes"] is True and sorted(event.participant_ids) == sorted([fatima.pk, johan.pk])


def test_enrolling_with_an_existing_wish_links_it_and_starts_working_on_it(client_for, worker, group, fatima,
                                                                           money_wish):
    response = client_for(worker).post(enrol_url(group), enrol_data(fatima, change_wishes=[money_wish.pk]))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(group=group, participant=fatima)
    assert list(enrolment.change_wishes.all()) == [money_wish]
    money_wish.refresh_from_db()
    assert money_wish.status == "working" and money_wish.text == "Ik wil weer grip op mijn geld"
    linked = AuditEvent.objects.get(event="enrolment.updated", object_id=str(enrolment.pk))
    assert linked.data == {"fields": ["change_wishes"], "change_wishes": [money_wish.pk]}
    assert wish_events("change_wish.updated").get().data["status"] == "working"


def test_enrolling_with_a_new_wish_in_the_residents_own_words(client_for, worker, group, fatima, money_wish):
    words = "Ik wil weer onder de mensen komen"
    response = client_for(worker).post(enrol_url(group), enrol_data(fatima, **{f"new_wish-{fatima.pk}": f"  {words} "}))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(group=group, participant=fatima)
    wish = enrolment.change_wishes.get()
    assert (wish.participant, wish.text, wish.status, wish.start_date) == (fatima, words, "working", TODAY())
    # The wish that was not chosen stays as it was, unlinked.
    money_wish.refresh_from_db()
    assert money_wish.status == "open" and not money_wish.enrolments.exists()
    assert wish_events("change_wish.created").get().data["via"] == "enrol"


def test_enrolling_with_a_chosen_and_a_new_wish_links_both(client_for, worker, group, fatima, money_wish):
    data = enrol_data(fatima, change_wishes=[money_wish.pk], **{f"new_wish-{fatima.pk}": "Rust in mijn hoofd"})
    client_for(worker).post(enrol_url(group), data)
    texts = set(Enrolment.objects.get(participant=fatima).change_wishes.values_list("text", flat=True))
    assert texts == {"Ik wil weer grip op mijn geld", "Rust in mijn hoofd"}


def test_enrolling_without_a_wish_still_works_in_one_click(client_for, worker, group, fatima, money_wish):
    assert client_for(worker).post(enrol_url(group), enrol_data(fatima)).status_code == 302
    assert not Enrolment.objects.get(participant=fatima).change_wishes.exists()
    assert ChangeWish.objects.count() == 1


@pytest.mark.parametrize("case", ["other_residents_wish", "written_under_another", "too_long", "unknown_wish"])
def test_a_wish_that_does_not_fit_is_refused_with_a_message_and_nothing_is_saved(
    client_for, worker, group, fatima, johan, money_wish, case
):
    johans = ChangeWishFactory(participant=johan, text="Meer bewegen", status="open")
    extra, message = {
        "other_residents_wish": ({"change_wishes": [johans.pk]}, "hoort bij een andere inwoner dan Fatima El Amrani"),
        "written_under_another": ({f"new_wish-{johan.pk}": "Meer bewegen"}, "bij een andere inwoner dan Fatima"),
        "too_long": ({f"new_wish-{fatima.pk}": "x" * 1001}, "maximaal 1000 tekens"),
        "unknown_wish": ({"change_wishes": ["999999"]}, "Deze veranderwens is niet gevonden"),
    }[case]
    response = client_for(worker).post(enrol_url(group), enrol_data(fatima, q="8921", **extra))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert not Enrolment.objects.exists()
    assert ChangeWish.objects.count() == 2
    assert set(ChangeWish.objects.values_list("status", flat=True)) == {"open"}
    assert not AuditEvent.objects.filter(event__in=["enrolment.created", "change_wish.created"]).exists()


def test_a_refused_enrolment_shows_the_wishes_as_ticked_and_written(client_for, worker, group, fatima, money_wish):
    data = enrol_data(fatima, q="Fatima", start_date="", change_wishes=[money_wish.pk],
                      **{f"new_wish-{fatima.pk}": "Rust in mijn hoofd"})
    body = client_for(worker).post(enrol_url(group), data).content.decode()
    assert f'value="{money_wish.pk}" id="wish-{money_wish.pk}" checked' in body
    assert ">Rust in mijn hoofd</textarea>" in body


def test_the_wish_of_a_resident_of_another_team_cannot_be_chosen(client_for, worker, group, fatima, stranger):
    foreign = ChangeWishFactory(participant=stranger, text="Iets van team B", status="open")
    response = client_for(worker).post(enrol_url(group), enrol_data(fatima, change_wishes=[foreign.pk]))
    assert response.status_code == 200
    assert "Deze veranderwens is niet gevonden" in response.content.decode()
    assert not Enrolment.objects.exists()
    foreign.refresh_from_db()
    assert foreign.status == "open"


def test_a_full_group_puts_the_resident_on_the_list_and_keeps_the_new_wish(client_for, worker, group, fatima,
                                                                           members):
    group.capacity = 12
    group.save(update_fields=["capacity"])
    data = enrol_data(fatima, start_date=TODAY().isoformat(), **{f"new_wish-{fatima.pk}": "Weer durven praten"})
    response = client_for(worker).post(enrol_url(group), data, follow=True)
    body = response.content.decode()
    assert "wachtlijst" in body and "De nieuwe veranderwens is bewaard bij Fatima El Amrani" in body
    assert not Enrolment.objects.filter(participant=fatima).exists()
    wish = ChangeWish.objects.get(participant=fatima)
    assert (wish.text, wish.status) == ("Weer durven praten", "open")


def test_the_enrol_page_with_wishes_takes_a_constant_number_of_queries(client_for, worker, group, team_a):
    client = client_for(worker)
    url = enrol_url(group)
    first = ParticipantFactory(team=team_a, last_name="Zoekbaar00")
    ChangeWishFactory(participant=first, status="open")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"q": "Zoekbaar"}).status_code == 200
    for i in range(1, 10):
        person = ParticipantFactory(team=team_a, last_name=f"Zoekbaar{i:02d}")
        for _ in range(3):
            ChangeWishFactory(participant=person, status="working")
    with CaptureQueriesContext(connection) as many:
        body = client.get(url, {"q": "Zoekbaar"}).content.decode()
    assert body.count('name="change_wishes"') == 1 + 27
    # The page's 12 (two of them savepoints around the audit events), plus one for the residents' wishes.
    assert len(many) == len(few) <= 13


# --- On the roll call, when switched on ------------------------------------------------------------------


def roll_call_url(group, **params):
    url = reverse("groups:session_create", args=[group.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


@pytest.fixture
def linked(group, members, money_wish, fatima):
    """Fatima enrolled with her wish; the first member with a wish that is achieved."""
    EnrolmentFactory(group=group, participant=fatima, start_date=D(2024, 1, 1)).change_wishes.add(money_wish)
    achieved = ChangeWishFactory(participant=members[0], text="Weer fietsen", status="achieved",
                                 end_date=D(2024, 5, 1), start_date=D(2024, 1, 1))
    Enrolment.objects.get(group=group, participant=members[0]).change_wishes.add(achieved)
    return money_wish


def test_the_roll_call_hides_the_wishes_until_they_are_switched_on(client_for, worker, group, linked):
    client = client_for(worker)
    body = client.get(roll_call_url(group)).content.decode()
    assert "Ik wil weer grip op mijn geld" not in body and "wish-text" not in body
    assert f'href="{roll_call_url(group, wensen=1)}" id="wishes-toggle">Veranderwensen tonen</a>' in body

    body = client.get(roll_call_url(group, wensen=1)).content.decode()
    assert "&ldquo;Ik wil weer grip op mijn geld&rdquo;" in body
    assert "&ldquo;Weer fietsen&rdquo; (bereikt)" in body
    assert body.count("geen veranderwens gekoppeld") == 11  # the other members
    assert f'href="{roll_call_url(group)}" id="wishes-toggle">Veranderwensen verbergen</a>' in body
    # The name stays the radio group's label on its own.
    assert '<span class="fw-semibold participant-name" id="name-' in body


def test_the_toggle_keeps_the_date_of_the_roll_call(client_for, worker, group, linked):
    body = client_for(worker).get(roll_call_url(group, date="2024-03-07")).content.decode()
    assert f'href="/collectieven/{group.pk}/bijeenkomsten/nieuw/?date=2024-03-07&amp;wensen=1"' in body


def test_showing_the_wishes_is_recorded_in_the_audit_event(client_for, worker, group, linked):
    client = client_for(worker)
    client.get(roll_call_url(group))
    client.get(roll_call_url(group, wensen=1))
    plain, shown = AuditEvent.objects.filter(event="group.viewed", data__page="session_form").order_by("pk")
    assert "wishes" not in plain.data and shown.data["wishes"] is True
    assert plain.participant_ids == shown.participant_ids and len(shown.participant_ids) == 13


def test_only_the_wish_linked_to_this_groups_enrolment_is_shown(client_for, worker, group, linked, fatima, team_a):
    from tests.factories import GroupFactory

    elsewhere = GroupFactory(team=team_a, name="Kookgroep")
    other = ChangeWishFactory(participant=fatima, text="Leren koken", status="working")
    EnrolmentFactory(group=elsewhere, participant=fatima).change_wishes.add(other)
    ChangeWishFactory(participant=fatima, text="Niet gekoppeld", status="open")
    body = client_for(worker).get(roll_call_url(group, wensen=1)).content.decode()
    assert "Ik wil weer grip op mijn geld" in body
    assert "Leren koken" not in body and "Niet gekoppeld" not in body


def test_a_refused_save_with_wishes_switched_on_shows_them_again(client_for, worker, group, linked, members):
    from .test_sessions import session_data

    data = session_data(members, duration_minutes="0")
    response = client_for(worker).post(roll_call_url(group, wensen=1), data)
    assert response.status_code == 200
    assert "Ik wil weer grip op mijn geld" in response.content.decode()


def test_the_roll_call_with_wishes_stays_within_12_queries_whatever_the_number_of_wishes(
    client_for, worker, big_group, django_assert_max_num_queries
):
    client = client_for(worker)
    with CaptureQueriesContext(connection) as off:
        client.get(roll_call_url(big_group))
    enrolments = list(big_group.enrolments.select_related("participant"))
    enrolments[0].change_wishes.add(ChangeWishFactory(participant=enrolments[0].participant, status="working"))
    with CaptureQueriesContext(connection) as one:
        client.get(roll_call_url(big_group, wensen=1))
    for enrolment in enrolments:
        enrolment.change_wishes.add(*[ChangeWishFactory(participant=enrolment.participant, status="working")
                                      for _ in range(2)])
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        body = client.get(roll_call_url(big_group, wensen=1)).content.decode()
    assert body.count('class="d-block small text-body-secondary wish-text"') == 61
    # Switching the wishes on costs one query, the same for 1 wish or 61.
    assert len(many) == len(one) == len(off) + 1


# --- "Hoe staat het met je veranderwens?" at the end ------------------------------------------------------


@pytest.fixture
def enrolment(group, fatima, money_wish):
    enrolment = EnrolmentFactory(group=group, participant=fatima, start_date=D(2024, 9, 3))
    enrolment.change_wishes.add(money_wish)
    return enrolment


def end_url(enrolment):
    return reverse("groups:enrolment_end", args=[enrolment.group_id, enrolment.pk])


def test_the_end_page_asks_how_the_wish_is_going(client_for, worker, enrolment, money_wish):
    money_wish.status = "working"
    money_wish.save()
    body = client_for(worker).get(end_url(enrolment)).content.decode()
    assert "Hoe staat het met je veranderwens?" in body
    assert "&ldquo;Ik wil weer grip op mijn geld&rdquo;" in body
    assert f'name="wish-{money_wish.pk}-text"' in body
    assert f'value="working" id="id_wish-{money_wish.pk}-status_1" checked' in body
    for label in ("open", "mee bezig", "bereikt", "losgelaten"):
        assert f">{label}</label>" in body
    event = AuditEvent.objects.get(event="participant.viewed", data__page="enrolment_end")
    assert event.data["change_wishes"] == [money_wish.pk]


def test_ending_stores_the_reflection_in_own_words_and_the_status(client_for, worker, enrolment, money_wish):
    words = "Ik heb nu een weekbudget en dat lukt"
    response = client_for(worker).post(end_url(enrolment), {
        "end_date": "2024-11-12", "end_reason": "completed_no_further_support",
        f"wish-{money_wish.pk}-text": words, f"wish-{money_wish.pk}-status": "achieved",
    })
    assert response.status_code == 302
    enrolment.refresh_from_db()
    money_wish.refresh_from_db()
    assert (enrolment.end_date, enrolment.end_reason_id) == (D(2024, 11, 12), "completed_no_further_support")
    assert (money_wish.status, money_wish.end_date) == ("achieved", D(2024, 11, 12))
    note = ChangeWishNote.objects.get()
    assert (note.kind, note.text, note.date, note.enrolment_id, note.change_wish) == (
        "reflection", words, D(2024, 11, 12), enrolment.pk, money_wish)
    event = wish_events("change_wish.updated").get()
    assert event.data["note"] == note.pk and event.data["status"] == "achieved"
    assert event.participant_ids == [enrolment.participant_id]


def test_ending_without_an_answer_leaves_the_wish_as_it_was(client_for, worker, enrolment, money_wish):
    response = client_for(worker).post(end_url(enrolment), {
        "end_date": "2024-11-12", "end_reason": "moved", f"wish-{money_wish.pk}-text": "",
        f"wish-{money_wish.pk}-status": "open",
    })
    assert response.status_code == 302
    money_wish.refresh_from_db()
    assert money_wish.status == "open" and money_wish.end_date is None
    assert not ChangeWishNote.objects.exists() and not wish_events("change_wish.updated").exists()


def test_a_wish_that_is_going_on_again_loses_its_end_date(client_for, worker, enrolment, money_wish):
    ChangeWish.objects.filter(pk=money_wish.pk).update(status="dropped", end_date=D(2024, 10, 1))
    client_for(worker).post(end_url(enrolment), {
        "end_date": "2024-11-12", "end_reason": "to_other_group", f"wish-{money_wish.pk}-status": "working",
    })
    money_wish.refresh_from_db()
    assert (money_wish.status, money_wish.end_date) == ("working", None)
    assert not ChangeWishNote.objects.exists()


@pytest.fixture
def course_enrolment(course, fatima, money_wish):
    enrolment = EnrolmentFactory(group=course, participant=fatima, start_date=D(2024, 9, 3))
    enrolment.change_wishes.add(money_wish)
    return enrolment


def test_next_series_stores_the_reflection_and_takes_the_wish_along(client_for, worker, course, course_enrolment,
                                                                    money_wish, fatima):
    let_go = ChangeWishFactory(participant=fatima, text="Een auto kopen", status="working", start_date=D(2024, 1, 1))
    course_enrolment.change_wishes.add(let_go)
    following = services.plan_next_series(worker, course, start_date=D(2024, 10, 8))
    response = client_for(worker).post(end_url(course_enrolment), {
        "end_date": "2024-09-24", "end_reason": "next_series",
        f"wish-{money_wish.pk}-text": "Het gaat beter, maar ik wil nog oefenen",
        f"wish-{money_wish.pk}-status": "working",
        f"wish-{let_go.pk}-text": "", f"wish-{let_go.pk}-status": "dropped",
    })
    assert response.status_code == 302
    course_enrolment.refresh_from_db()
    assert course_enrolment.end_reason_id == "next_series"
    moved = Enrolment.objects.get(group=following, participant=fatima)
    # The wish still worked on goes along to the next series; the one let go stays behind.
    assert list(moved.change_wishes.all()) == [money_wish]
    let_go.refresh_from_db()
    assert (let_go.status, let_go.end_date) == ("dropped", D(2024, 9, 24))
    note = ChangeWishNote.objects.get()
    assert (note.change_wish, note.kind, note.enrolment_id) == (money_wish, "reflection", course_enrolment.pk)


@pytest.mark.parametrize("end_reason", ["to_other_group", "next_series"])
@pytest.mark.parametrize("bad, message", [
    ({"status": "verdwenen"}, "Kies hoe het met de veranderwens staat: open, mee bezig, bereikt of losgelaten"),
    ({"status": ""}, "Kies hoe het met de veranderwens staat."),
    ({"text": "x" * 1001, "status": "achieved"}, "1000 tekens"),
])
def test_bad_reflection_input_gives_a_message_and_nothing_is_saved_half_way(
    client_for, worker, course, course_enrolment, money_wish, end_reason, bad, message
):
    following = services.plan_next_series(worker, course, start_date=D(2024, 10, 8))
    data = {"end_date": "2024-09-24", "end_reason": end_reason}
    data.update({f"wish-{money_wish.pk}-{name}": value for name, value in bad.items()})
    response = client_for(worker).post(end_url(course_enrolment), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    course_enrolment.refresh_from_db()
    money_wish.refresh_from_db()
    assert course_enrolment.end_date is None and course_enrolment.end_reason is None
    assert money_wish.status == "open" and not ChangeWishNote.objects.exists()
    assert not following.enrolments.exists()
    assert not AuditEvent.objects.filter(event__in=["enrolment.updated", "change_wish.updated"]).exists()


def test_an_enrolment_without_a_wish_offers_the_residents_open_wishes_and_links_the_one_answered(
    client_for, worker, group, fatima, money_wish
):
    """Enrolled from the waiting list without a wish: the end page is where it is added after all."""
    other = ChangeWishFactory(participant=fatima, text="Minder piekeren", status="working")
    ChangeWishFactory(participant=fatima, text="Al bereikt", status="achieved", end_date=TODAY())
    enrolment = EnrolmentFactory(group=group, participant=fatima, start_date=D(2024, 9, 3))
    client = client_for(worker)
    body = client.get(end_url(enrolment)).content.decode()
    assert "Aan deze aanmelding is geen veranderwens gekoppeld" in body
    assert "Ik wil weer grip op mijn geld" in body and "Minder piekeren" in body and "Al bereikt" not in body
    client.post(end_url(enrolment), {
        "end_date": "2024-11-12", "end_reason": "to_other_group",
        f"wish-{money_wish.pk}-text": "Ik ga door in een andere groep", f"wish-{money_wish.pk}-status": "working",
        f"wish-{other.pk}-text": "", f"wish-{other.pk}-status": "working",
    })
    assert list(enrolment.change_wishes.all()) == [money_wish]
    money_wish.refresh_from_db()
    assert money_wish.status == "working"
    assert ChangeWishNote.objects.get().enrolment_id == enrolment.pk


# --- The group's figures (internal) -----------------------------------------------------------------------


def test_the_group_page_counts_the_linked_wishes_by_status(client_for, worker, group, team_a):
    statuses = ["working", "working", "achieved", "dropped", "open"]
    people = [ParticipantFactory(team=team_a) for _ in statuses]
    for person, status in zip(people, statuses, strict=True):
        wish = ChangeWishFactory(participant=person, status=status,
                                 end_date=D(2024, 6, 1) if status in ("achieved", "dropped") else None,
                                 start_date=D(2024, 1, 1))
        EnrolmentFactory(group=group, participant=person, start_date=D(2024, 1, 1)).change_wishes.add(wish)
    # A resident who came back: the same wish on two enrolments counts once.
    back = people[0]
    Enrolment.objects.filter(participant=back).update(end_date=D(2024, 3, 1), end_reason_id="other")
    again = EnrolmentFactory(group=group, participant=back, start_date=D(2024, 4, 1))
    again.change_wishes.add(back.change_wishes.get())
    # Not counted: a wish not linked, and a wish linked to another group.
    ChangeWishFactory(participant=people[1], status="working")
    from tests.factories import GroupFactory

    EnrolmentFactory(group=GroupFactory(team=team_a), participant=people[2]).change_wishes.add(
        ChangeWishFactory(participant=people[2], status="working"))
    body = client_for(worker).get(reverse("groups:detail", args=[group.pk])).content.decode()
    table = body[body.index('id="wish-figures"'):body.index("</table>", body.index('id="wish-figures"'))]
    for cls, expected in [("formulated", 5), ("working", 2), ("achieved", 1), ("dropped", 1), ("open", 1)]:
        assert f'<td class="{cls}">{expected}</td>' in table
    for header in ("geformuleerd", "mee bezig", "bereikt", "losgelaten", "nog open"):
        assert f'<th scope="col">{header}</th>' in table
    assert "nooit in een rapportage voor de gemeente" in body


def test_a_group_without_linked_wishes_says_so(client_for, worker, group, members):
    body = client_for(worker).get(reverse("groups:detail", args=[group.pk])).content.decode()
    assert 'id="wish-figures"' not in body
    assert "Er is nog geen veranderwens gekoppeld aan een aanmelding bij dit collectief" in body


def test_the_quarterly_report_for_the_municipality_reads_nothing_of_the_wishes(worker, coordinator, municipality,
                                                                              team_a):
    """The figures are the same with and without linked wishes, whatever their status."""
    from reporting import services as reporting
    from tests.factories import AttendanceFactory, GroupFactory, SessionFactory

    group = GroupFactory(kind_id="support", team=team_a, start_date=D(2024, 1, 1))
    people = [ParticipantFactory(team=team_a) for _ in range(6)]
    enrolments = [EnrolmentFactory(group=group, participant=p, start_date=D(2024, 1, 1)) for p in people]
    session = SessionFactory(group=group, date=D(2024, 7, 4))
    for person in people:
        AttendanceFactory(session=session, participant=person, status="present")
    report = reporting.prepare_report(municipality, 2024, 3, coordinator)
    without = reporting.build_figures(report)
    for enrolment, status in zip(enrolments, ["open", "working", "working", "achieved", "dropped", "achieved"],
                                 strict=True):
        wish = ChangeWishFactory(participant=enrolment.participant, status=status, start_date=D(2024, 1, 1),
                                 end_date=D(2024, 8, 1) if status in ("achieved", "dropped") else None)
        enrolment.change_wishes.add(wish)
        ChangeWishNote.objects.create(change_wish=wish, kind="reflection", text="Gaat goed", date=D(2024, 8, 1))
    figures = reporting.build_figures(report)
    assert figures == without
    assert "wish" not in json.dumps(figures) and "wens" not in json.dumps(figures)


# --- Scoping ------------------------------------------------------------------------------------------------


def test_another_team_gets_404_and_a_municipality_contact_403(client_for, outsider, municipality_user, enrolment,
                                                            money_wish, group):
    urls = [end_url(enrolment), roll_call_url(group, wensen=1), reverse("groups:detail", args=[group.pk])]
    post = {"end_date": "2024-11-12", "end_reason": "moved", f"wish-{money_wish.pk}-text": "Van buiten",
            f"wish-{money_wish.pk}-status": "dropped"}
    for url in urls:
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(municipality_user).get(url).status_code == 403
    assert client_for(outsider).post(end_url(enrolment), post).status_code == 404
    assert client_for(municipality_user).post(end_url(enrolment), post).status_code == 403
    money_wish.refresh_from_db()
    enrolment.refresh_from_db()
    assert money_wish.status == "open" and enrolment.end_date is None and not ChangeWishNote.objects.exists()


def test_an_enrolment_from_the_waiting_list_starts_without_a_wish(worker, group, fatima, money_wish):
    interest = on_the_list(group, fatima)
    enrolment = services.enrol_from_list(worker, interest)
    assert not enrolment.change_wishes.exists()
    money_wish.refresh_from_db()
    assert money_wish.status == "open"


# --- In Chromium ------------------------------------------------------------------------------------------


@pytest.fixture
def cooking_group(transactional_db, team_a, worker):
    """A group meeting today (00:00), one member, and Fatima with an open wish, not yet enrolled."""
    from tests.factories import GroupFactory

    today = TODAY()
    group = GroupFactory(name="Kookgroep Bilgaard", team=team_a, usual_weekday=today.weekday(),
                         usual_time=datetime.time(0, 0), start_date=today - datetime.timedelta(days=14))
    group.facilitators.add(worker)
    EnrolmentFactory(group=group, participant=ParticipantFactory(team=team_a, first_name="Anna", last_name="Lid"),
                     start_date=group.start_date)
    fatima = ParticipantFactory(team=team_a, first_name="Fatima", last_name="El Amrani")
    ChangeWishFactory(participant=fatima, text="Ik wil weer grip op mijn geld", status="open",
                      start_date=today - datetime.timedelta(days=30))
    return group


@pytest.mark.e2e
def test_the_wish_is_a_thread_from_enrolling_to_the_end_in_a_browser(page, live_server, worker, cooking_group):
    """Enrol with the wish, see it on the roll call when switched on, answer "hoe staat het?" at the end;
    axe-core finds no WCAG 2.1 AA violation on any of these pages."""
    from tests.conftest import login_in_browser
    from tests.e2e.test_accessibility import axe_violations, duplicate_ids

    failures = []

    def check(label):
        found, twice = axe_violations(page), duplicate_ids(page)
        if found or twice:
            failures.append((label, found, twice))

    wish = ChangeWish.objects.get()
    login_in_browser(page, live_server, worker.username)
    page.goto(f"{live_server.url}/collectieven/{cooking_group.pk}/aanmelden/")
    page.fill("#participant-search", "Fatima")
    result = page.locator("#participant-results li", has_text="Fatima El Amrani")
    result.locator("summary").click()
    check("enrol page with a resident's wishes")
    result.get_by_label("“Ik wil weer grip op mijn geld”").check()
    with page.expect_navigation():
        result.get_by_role("button", name="Aanmelden").click()
    assert "Fatima El Amrani is aangemeld bij" in page.locator(".alert-success").inner_text()
    enrolment = Enrolment.objects.get(participant=wish.participant)
    assert list(enrolment.change_wishes.all()) == [wish]

    page.goto(f"{live_server.url}/collectieven/{cooking_group.pk}/bijeenkomsten/nieuw/")
    assert page.locator(".wish-text").count() == 0
    with page.expect_navigation():
        page.get_by_role("link", name="Veranderwensen tonen").click()
    row = page.locator(f'.roll-row[data-participant="{wish.participant_id}"]')
    assert row.locator(".wish-text").inner_text() == "“Ik wil weer grip op mijn geld”"
    assert row.locator(".participant-name").inner_text() == "Fatima El Amrani"
    check("roll call with the wishes shown")

    page.goto(f"{live_server.url}/collectieven/{cooking_group.pk}/aanmeldingen/{enrolment.pk}/beeindigen/")
    check("end page with the question about the wish")
    page.get_by_label("Door naar een ander collectief").check()
    page.get_by_label("In de eigen woorden van de inwoner").fill("Ik houd nu een kasboekje bij")
    page.get_by_label("bereikt").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Aanmelding beëindigen").click()
    wish.refresh_from_db()
    assert wish.status == "achieved"
    assert wish.notes.get().text == "Ik houd nu een kasboekje bij"
    page.goto(f"{live_server.url}/collectieven/{cooking_group.pk}/")
    figures = page.locator("#wish-figures")
    assert figures.locator("td.formulated").inner_text() == "1" and figures.locator("td.achieved").inner_text() == "1"
    check("group page with the figures")
    assert not failures, failures
