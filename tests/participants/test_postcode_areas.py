"""Walk-ins and new residents get a wijk: the postcode table fills it, the worker can change it."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from collectief.models import Neighbourhood, PostcodeArea
from participants.models import Participant
from tests.factories import GroupFactory, NeighbourhoodFactory

from .conftest import new_resident


@pytest.fixture
def areas(municipality, other_municipality):
    """Leeuwarden: 8921–8922 is Vrijheidswijk, but 8921 AA–AZ is Huizum-Oost. Heerenveen has 8441."""
    vrijheidswijk = NeighbourhoodFactory(municipality=municipality, name="Vrijheidswijk")
    huizum = NeighbourhoodFactory(municipality=municipality, name="Huizum-Oost")
    heerenveen = NeighbourhoodFactory(municipality=other_municipality, name="Centrum")
    PostcodeArea.objects.create(municipality=municipality, postcode_from="8921", postcode_to="8922",
                                neighbourhood=vrijheidswijk)
    PostcodeArea.objects.create(municipality=municipality, postcode_from="8921AA", postcode_to="8921AZ",
                                neighbourhood=huizum)
    PostcodeArea.objects.create(municipality=other_municipality, postcode_from="8441", postcode_to="8441",
                                neighbourhood=heerenveen)
    return {"vrijheidswijk": vrijheidswijk, "huizum": huizum, "heerenveen": heerenveen}


def test_a_pc6_range_wins_over_a_pc4_range(areas):
    assert PostcodeArea.objects.neighbourhood_for("8921 ab") == areas["huizum"]
    assert PostcodeArea.objects.neighbourhood_for("8922BA") == areas["vrijheidswijk"]
    assert PostcodeArea.objects.neighbourhood_for("9999 ZZ") is None
    assert PostcodeArea.objects.neighbourhood_for("") is None


def test_a_new_resident_without_a_wijk_gets_the_one_of_their_postcode(client_for, worker, team_a, areas):
    response = client_for(worker).post(reverse("participants:create"), new_resident(team_a, postcode="8922 bc"))
    assert response.status_code == 302
    assert Participant.objects.get().neighbourhood == areas["vrijheidswijk"]


def test_a_wijk_the_worker_chose_is_kept(client_for, worker, team_a, areas, neighbourhood):
    data = new_resident(team_a, postcode="8922 BC", neighbourhood=neighbourhood.pk)
    assert client_for(worker).post(reverse("participants:create"), data).status_code == 302
    assert Participant.objects.get().neighbourhood == neighbourhood


def test_a_walk_in_gets_the_wijk_of_their_postcode(client_for, worker, team_a, areas):
    group = GroupFactory(team=team_a, start_date=datetime.date(2024, 1, 1))
    data = {"date": "2024-05-02", "start_time": "10:00", "duration_minutes": "90", "status": "held",
            "head_count": "0", "walkin-first_name": "Nieuw", "walkin-last_name": "Gezicht",
            "walkin-birth_date": "1990-02-03", "walkin-postcode": "8921 AC", "walkin-consent_registration": "on"}
    assert client_for(worker).post(reverse("groups:session_create", args=[group.pk]), data).status_code == 302
    assert Participant.objects.get(last_name="Gezicht").neighbourhood == areas["huizum"]


def test_the_form_asks_the_wijk_of_a_postcode_only_in_the_users_municipalities(client_for, worker, areas):
    client = client_for(worker)
    url = reverse("participants:neighbourhood_for_postcode")
    assert client.get(url, {"postcode": "8921AB"}).json() == {"id": areas["huizum"].pk, "name": "Huizum-Oost"}
    assert client.get(url, {"postcode": "8441 AB"}).json() == {"id": None, "name": ""}


def test_the_wijk_lookup_is_not_for_a_municipality_contact(client_for, municipality_user, areas):
    response = client_for(municipality_user).get(reverse("participants:neighbourhood_for_postcode"),
                                                 {"postcode": "8921AB"})
    assert response.status_code == 403


def test_postcode_areas_are_imported_from_a_csv_file(db, tmp_path, municipality):
    (tmp_path / "postcode_areas.csv").write_text(
        "municipality,neighbourhood,postcode_from,postcode_to\n"
        "Leeuwarden,Bilgaard,8925,8925\n"
        "Leeuwarden,Huizum-Oost,8921 AA,8921 AZ\n",
        encoding="utf-8",
    )
    call_command("import_registry", str(tmp_path))
    assert PostcodeArea.objects.neighbourhood_for("8925 XY").name == "Bilgaard"
    assert PostcodeArea.objects.neighbourhood_for("8921 AD").name == "Huizum-Oost"
    assert Neighbourhood.objects.filter(municipality=municipality, name="Bilgaard").exists()


def test_a_bad_postcode_range_is_refused_with_line_and_column(db, tmp_path):
    (tmp_path / "postcode_areas.csv").write_text(
        "municipality,neighbourhood,postcode_from,postcode_to\nLeeuwarden,Bilgaard,8925,8921AB\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as refused:
        call_command("import_registry", str(tmp_path))
    assert "postcode_areas.csv:2: postcode_to:" in str(refused.value)
    assert not PostcodeArea.objects.exists()
