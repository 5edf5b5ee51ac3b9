"""People and tokens: usernames are normalised and checked; a user acts with their organisation role."""

from datetime import UTC, datetime

import pytest

from sirf.domain.accounts import ApiToken, User, check_username
from sirf.domain.errors import ValidationFailed
from sirf.domain.raci import Actor, OrgRole

AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ana", "ana"), (" Ana.B-1_x ", "ana.b-1_x"), ("0day", "0day"), ("a" * 63, "a" * 63)],
)
def test_check_username_normalises_valid_names(raw, expected):
    assert check_username(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "-ana", ".ana", "_ana", "a" * 64, "ana b", "anä", "ana@example.com", "a\nb", "ana/"]
)
def test_check_username_refuses_anything_else(raw):
    with pytest.raises(ValidationFailed) as info:
        check_username(raw)
    assert info.value.details == {"field": "username"}
    assert repr(raw) in info.value.message


def test_a_user_acts_with_their_organisation_role():
    user = User(1, "ana", "Ana", OrgRole.VIEWER, AT)
    assert user.as_actor() == Actor("ana", OrgRole.VIEWER)


def test_token_prefix_names_the_token_id():
    token = ApiToken("k3y", 1, "laptop", "hash", AT)
    assert token.prefix == "sirf_k3y_"
