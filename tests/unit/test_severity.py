"""F3.1 severities: parsing variants, refusals and ordering (SEV1 is the most severe)."""

import pytest

from sirf.domain.errors import ValidationFailed
from sirf.domain.severity import Severity


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1, Severity.SEV1),
        ("1", Severity.SEV1),
        ("sev1", Severity.SEV1),
        ("SEV1", Severity.SEV1),
        ("Sev2", Severity.SEV2),
        ("  sev3  ", Severity.SEV3),
        (" 4 ", Severity.SEV4),
        (4, Severity.SEV4),
        (Severity.SEV2, Severity.SEV2),
    ],
)
def test_parse_accepts_numbers_and_sev_names(raw, expected):
    assert Severity.parse(raw) is expected


@pytest.mark.parametrize(
    "raw",
    [0, 5, -1, "0", "5", "sev0", "SEV5", "", "   ", "sev", "one", "1.0", 1.5, None, True, "SEV 1", "sev-1"],
)
def test_parse_refuses_anything_else_naming_the_choices(raw):
    with pytest.raises(ValidationFailed) as info:
        Severity.parse(raw)
    error = info.value
    assert error.details == {"field": "severity"}
    assert repr(raw) in error.message
    assert "use 1, 2, 3 or 4" in error.message
    assert "SEV1 is the most severe" in error.message


@pytest.mark.parametrize("raw", ["²", "sev²", "9" * 5000])
def test_parse_refuses_non_decimal_digits_and_huge_numbers_with_validation_failed(raw):
    with pytest.raises(ValidationFailed):
        Severity.parse(raw)


def test_sev1_is_the_most_severe_and_sev4_the_least():
    assert Severity.SEV1.is_more_severe_than(Severity.SEV2)
    assert Severity.SEV3.is_more_severe_than(Severity.SEV4)
    assert not Severity.SEV4.is_more_severe_than(Severity.SEV1)
    assert not Severity.SEV2.is_more_severe_than(Severity.SEV2)
    assert min(Severity) is Severity.SEV1


def test_label_is_the_templates_name():
    assert [s.label for s in Severity] == ["SEV1", "SEV2", "SEV3", "SEV4"]
