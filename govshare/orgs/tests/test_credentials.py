import hashlib

import pytest
import time_machine

from govshare.audit.models import AuditRecord
from govshare.core.exceptions import PermissionDenied
from govshare.orgs import services
from govshare.orgs.models import Application, Credential
from govshare.orgs.tokens import hash_secret


@pytest.fixture
def application(person):
    return services.application_create(person("mzt_officer"),
                                       organization=person("mzt_officer").organization,
                                       name="社会救助系统")


def test_r15_credential_is_stored_hashed_and_shown_once(person, application, bearer):
    credential, token = services.credential_issue(person("mzt_admin"), application)
    stored = Credential.objects.get(pk=credential.pk)
    secret = token.split("_", 2)[2]
    assert secret not in stored.secret_hash and secret not in str(vars(stored))
    # Keyed with the secrets key outside the database: a copy of the table alone cannot test
    # guesses, as it could against a plain SHA-256.
    assert stored.secret_hash == hash_secret(secret)
    assert stored.secret_hash != hashlib.sha256(secret.encode()).hexdigest()
    response = bearer(token).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["kind"] == "application"
    assert response.json()["id"] == application.pk
    # Listing credentials never shows a token again.
    listing = bearer(token).get(f"/api/v1/applications/{application.pk}/credentials")
    assert listing.status_code == 200
    assert "token" not in listing.json()[0] and secret not in listing.content.decode()


def test_r15_revoked_credential_gets_401_at_once(person, application, bearer):
    admin = person("mzt_admin")
    credential, token = services.credential_issue(admin, application)
    assert bearer(token).get("/api/v1/me").status_code == 200
    services.credential_revoke(admin, credential)
    response = bearer(token).get("/api/v1/me")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_r15_expired_credential_gets_401(person, application, bearer):
    credential, token = services.credential_issue(person("mzt_admin"), application, valid_days=1)
    with time_machine.travel(credential.expires_at, tick=False):
        assert bearer(token).get("/api/v1/me").status_code == 401


def test_r15_rotation_replaces_the_old_credential(person, application, bearer):
    credential, old = services.credential_issue(person("mzt_admin"), application)
    _new_credential, new = services.credential_rotate(person("mzt_admin"), credential)
    assert bearer(old).get("/api/v1/me").status_code == 401
    assert bearer(new).get("/api/v1/me").status_code == 200


def test_r15_tampered_or_malformed_token_gets_401(person, application, bearer):
    _credential, token = services.credential_issue(person("mzt_admin"), application)
    for bad in [token[:-2] + "xx", "gs_nope_nope", "not-a-token", ""]:
        assert bearer(bad).get("/api/v1/me").status_code == 401


def test_r15_another_department_cannot_issue_credentials(person, application):
    with pytest.raises(PermissionDenied):
        services.credential_issue(person("gat_admin"), application)
    assert not Credential.objects.filter(application=application).exists()


def test_r15_credential_issue_over_api_shows_token_once(login, application):
    client = login("mzt_admin")
    response = client.post(f"/api/v1/applications/{application.pk}/credentials",
                           {}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["token"].startswith("gs_")
    other = login("gat_admin").post(f"/api/v1/applications/{application.pk}/credentials",
                                    {}, content_type="application/json")
    assert other.status_code == 404  # another department does not learn the application exists
    assert Application.objects.get(pk=application.pk).credentials.count() == 1


def test_r18_credential_changes_are_audited(person, application):
    credential, _token = services.credential_issue(person("mzt_admin"), application)
    services.credential_revoke(person("mzt_admin"), credential)
    actions = list(AuditRecord.objects.filter(object_id=str(credential.pk),
                                              object_type="orgs.credential")
                   .values_list("action", flat=True))
    assert actions == ["credential.issue", "credential.revoke"]


def test_r18_passwords_use_argon2():
    from govshare import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_r18_a_credential_issued_under_one_profile_works_under_the_other(
        person, application, bearer, settings):
    settings.GOVSHARE_CRYPTO_PROFILE = "international"
    _credential, old_token = services.credential_issue(person("mzt_admin"), application)
    settings.GOVSHARE_CRYPTO_PROFILE = "national"
    credential, new_token = services.credential_issue(person("mzt_admin"), application)
    assert Credential.objects.get(pk=credential.pk).secret_hash == hash_secret(
        new_token.split("_", 2)[2])
    assert bearer(old_token).get("/api/v1/me").status_code == 200
    settings.GOVSHARE_CRYPTO_PROFILE = "international"
    assert bearer(new_token).get("/api/v1/me").status_code == 200
    assert bearer(new_token[:-1] + ("A" if new_token[-1] != "A" else "B")).get(
        "/api/v1/me").status_code == 401


def test_r18_a_credential_hashed_before_keyed_hashing_still_works(person, application, bearer):
    credential, token = services.credential_issue(person("mzt_admin"), application)
    Credential.objects.filter(pk=credential.pk).update(
        secret_hash=hashlib.sha256(token.split("_", 2)[2].encode()).hexdigest())
    assert bearer(token).get("/api/v1/me").status_code == 200
