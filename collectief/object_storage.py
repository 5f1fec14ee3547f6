"""S3-compatible object storage for the files every node shares (docs/deployment.md).

Generated report PDFs, flyers and import uploads go through Django's default storage: MEDIA_ROOT
on a volume every web and worker node mounts, or, when ``MEDIA_S3_BUCKET`` is set, a bucket of any
S3-compatible object store (AWS S3, MinIO, Ceph RGW, a cloud provider's) through django-storages.
Objects are private (no public URL): the application streams them after its access checks.

No Django imports here: settings.py calls :func:`storage_from_env` while it is being read.
"""


def storage_from_env(environ) -> dict | None:
    """The ``STORAGES["default"]`` entry for object storage from ``MEDIA_S3_*``, or None without a bucket."""
    bucket = environ.get("MEDIA_S3_BUCKET", "").strip()
    if not bucket:
        return None

    def optional(name):
        return environ.get(name, "").strip() or None

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": optional("MEDIA_S3_ENDPOINT_URL"),  # empty: AWS itself
            "region_name": optional("MEDIA_S3_REGION"),
            # Empty: boto3's own chain (AWS_* variables, an instance or pod role).
            "access_key": optional("MEDIA_S3_ACCESS_KEY_ID"),
            "secret_key": optional("MEDIA_S3_SECRET_ACCESS_KEY"),
            "location": environ.get("MEDIA_S3_PREFIX", "").strip().strip("/"),
            "default_acl": "private",
            "file_overwrite": False,  # a name that is taken gets a suffix, as on disk
            "querystring_auth": True,
        },
    }
