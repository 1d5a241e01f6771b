import pytest

from govshare.core.exceptions import ValidationError
from govshare.orgs import services
from govshare.orgs.credit_code import check_character, credit_code_errors
from govshare.orgs.models import Organization, Region

# Codes of real registered companies, published on their licences.
KNOWN_VALID = ["91350100M000100Y43", "914403001922038216", "9144030071526726XG"]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_r1_known_credit_codes_validate(code):
    assert credit_code_errors(code) == []
    assert check_character(code[:17]) == code[17]


def test_r1_wrong_check_character_is_named():
    good = KNOWN_VALID[0]
    errors = credit_code_errors(good[:17] + "X")
    assert len(errors) == 1
    assert "校验码" in errors[0]
    assert "第18位为X" in errors[0] and f"应为{good[17]}" in errors[0]


def test_r1_length_and_alphabet_are_checked():
    assert "18" in credit_code_errors("123")[0]
    assert "I" in credit_code_errors("I" + KNOWN_VALID[0][1:])[0]


def test_r1_organization_create_rejects_wrong_check_character(person):
    operator = person("operator")
    region = Region.objects.get(code="130100")
    good = KNOWN_VALID[0]
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = Organization.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.organization_create(operator, name="测试局", credit_code=bad, region=region)
    assert "credit_code" in caught.value.field_errors
    assert "校验码" in caught.value.field_errors["credit_code"][0]
    assert Organization.objects.count() == before
    created = services.organization_create(operator, name="测试局", credit_code=good,
                                           region=region)
    assert created.pk


def test_r1_operator_admin_form_names_the_wrong_check_character(login, demo):
    client = login("operator")
    good = KNOWN_VALID[0]
    response = client.post("/admin/orgs/organization/add/", {
        "name": "测试局", "credit_code": good[:17] + "0", "kind": "organ", "duty": "department",
        "region": Region.objects.get(code="130000").pk, "short_code": "CS",
    })
    assert response.status_code == 200
    assert "校验码" in response.content.decode()
    assert not Organization.objects.filter(name="测试局").exists()
