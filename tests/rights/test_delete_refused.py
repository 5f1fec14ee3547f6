"""Deleting a resident is refused by the database itself: it would cascade and rewrite history."""

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from groups.models import Attendance, Enrolment
from participants.models import Participant


@pytest.mark.django_db
def test_deleting_a_participant_raises_and_removes_nothing(resident):
    counts = (Participant.objects.count(), Enrolment.objects.count(), Attendance.objects.count(),
              resident.consents.count(), resident.change_wishes.count())
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        Participant.objects.filter(pk=resident.pk).delete()
    assert (Participant.objects.count(), Enrolment.objects.count(), Attendance.objects.count(),
            resident.consents.count(), resident.change_wishes.count()) == counts


@pytest.mark.django_db
def test_raw_sql_cannot_delete_a_participant_either(resident):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM participants_participant WHERE id = %s", [resident.pk])
    assert Participant.objects.filter(pk=resident.pk).exists()


@pytest.mark.django_db
def test_the_admin_offers_no_delete_for_participants(administrator, resident):
    model_admin = admin.site._registry[Participant]
    request = RequestFactory().get("/beheer/")
    request.user = administrator
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_delete_permission(request, resident) is False
    assert "delete_selected" not in model_admin.get_actions(request)


@pytest.mark.django_db
def test_the_admin_delete_page_is_refused(client_for, administrator, resident):
    response = client_for(administrator).get(f"/beheer/participants/participant/{resident.pk}/delete/")
    assert response.status_code in (302, 403)
    assert Participant.objects.filter(pk=resident.pk).exists()
