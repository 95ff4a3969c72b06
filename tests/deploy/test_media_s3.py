"""Evidence files on S3-compatible storage (MEDIA_STORAGE=s3 + AWS_*), against moto's S3
server on 127.0.0.1: written through complaints.services.add_attachment, read back through the
model and downloaded through the API under gunicorn."""

from __future__ import annotations

import hashlib
import json
import urllib.request

import pytest
from django.conf import settings as django_settings
from rest_framework.authtoken.models import Token

from tests.deploy import procs
from tests.deploy.conftest import s3_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_attachment_is_stored_in_the_bucket_and_read_back(
    frontline, live_database_url, app_env, s3_server
):
    env = app_env(live_database_url, MEDIA_STORAGE="s3", **s3_server)

    answer = procs.actor("s3-roundtrip", "--user", "frontline", env=env)

    assert answer["backend"] == "storages.backends.s3.S3Storage"
    assert answer["sha256_read"] == answer["sha256_written"]
    stored = s3_client(s3_server).get_object(
        Bucket=s3_server["AWS_STORAGE_BUCKET_NAME"], Key=answer["name"]
    )
    assert hashlib.sha256(stored["Body"].read()).hexdigest() == answer["sha256_written"]
    # Nothing landed on the local disk, and the object is not public.
    assert not (django_settings.MEDIA_ROOT / answer["name"]).exists()
    grants = s3_client(s3_server).get_object_acl(
        Bucket=s3_server["AWS_STORAGE_BUCKET_NAME"], Key=answer["name"]
    )["Grants"]
    assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}).get("URI", ""))]


def test_the_api_downloads_an_attachment_kept_on_s3(
    frontline, live_database_url, app_env, s3_server, deploy_logs
):
    env = app_env(live_database_url, MEDIA_STORAGE="s3", **s3_server)
    answer = procs.actor("s3-roundtrip", "--user", "frontline", env=env)
    token = Token.objects.create(user=frontline)
    server, base = procs.start_gunicorn(env=env, log_dir=deploy_logs, workers=2)
    try:
        listing = urllib.request.Request(  # noqa: S310 - 127.0.0.1
            f"{base}/api/v1/complaints/{answer['reference']}/attachments/",
            headers={"Authorization": f"Token {token.key}", "Accept": "application/json"},
        )
        with urllib.request.urlopen(listing, timeout=20) as response:  # noqa: S310
            attachments = json.load(response)
        items = attachments["results"] if isinstance(attachments, dict) else attachments
        download = urllib.request.Request(  # noqa: S310 - 127.0.0.1
            f"{base}/api/v1/complaints/{answer['reference']}/attachments/{items[0]['id']}/",
            headers={"Authorization": f"Token {token.key}"},
        )
        with urllib.request.urlopen(download, timeout=20) as response:  # noqa: S310
            body = response.read()
            disposition = response.headers["Content-Disposition"]
    finally:
        server.stop()

    assert hashlib.sha256(body).hexdigest() == answer["sha256_written"]
    assert "attachment" in disposition
