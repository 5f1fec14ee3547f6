"""Past one machine: the quarterly report PDF in S3-compatible object storage (docs/deployment.md)."""

from django.urls import reverse

from .conftest import read_pdf


def test_a_rendered_report_lives_in_the_bucket_privately_and_downloads_through_the_access_check(
    object_storage, rendered_report, coordinator, client_for, outsider
):
    key = f"media/{rendered_report.pdf.name}"
    assert object_storage.keys() == [key]
    stored = object_storage.s3.get_object(Bucket=object_storage.bucket, Key=key)["Body"].read()
    assert stored.startswith(b"%PDF") and stored == read_pdf(rendered_report)
    # Private: no grant to everyone or to any authenticated AWS user.
    grants = object_storage.s3.get_object_acl(Bucket=object_storage.bucket, Key=key)["Grants"]
    assert not [g for g in grants if "URI" in g["Grantee"]]
    assert list(object_storage.node_disk.iterdir()) == []  # nothing on this node's disk

    url = reverse("reporting:report_pdf", args=[rendered_report.pk])
    response = client_for(coordinator).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored
    assert client_for(outsider).get(url).status_code in (403, 404)
