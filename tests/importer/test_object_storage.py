"""Past one machine: an upload stored by one node is imported by the worker and confirmed on
another, through S3-compatible object storage (docs/deployment.md)."""

import datetime

import pytest
from django.utils import timezone

from imports import services
from imports.models import ImportRun
from participants.models import Participant

from .test_runs import upload
from .test_views import CANCEL, CONFIRM, UPLOAD

# The import is queued with transaction.on_commit: the confirm request must really commit.
pytestmark = pytest.mark.django_db(transaction=True)


def test_an_upload_in_object_storage_is_previewed_imported_and_removed(
    object_storage, client_for, administrator, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    run = upload(client, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE, run.error
    token = run.upload
    assert {key.rsplit("/", 1)[1] for key in object_storage.keys()} == set(run.files)
    assert all(key.startswith(f"media/imports/{token}/") for key in object_storage.keys())
    assert list(object_storage.node_disk.iterdir()) == []

    response = client.post(CONFIRM, {"token": token}, follow=True)
    assert response.redirect_chain[-1][0] == UPLOAD
    assert Participant.objects.count() == 3
    assert object_storage.keys() == []  # the files are gone after confirm


def test_a_cancelled_and_a_day_old_upload_leave_nothing_in_the_bucket(
    object_storage, client_for, administrator, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    upload(client, django_capture_on_commit_callbacks)
    assert object_storage.keys()
    assert client.post(CANCEL).status_code == 302
    assert object_storage.keys() == []

    run = upload(client, django_capture_on_commit_callbacks)
    assert services.remove_stale_uploads() == 0 and object_storage.keys()
    assert services.remove_stale_uploads(now=timezone.now() + datetime.timedelta(hours=25)) == 1
    assert object_storage.keys() == []
    assert not ImportRun.objects.filter(pk=run.pk).exists()
