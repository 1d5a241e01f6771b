"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

18 characters from a 31-symbol alphabet (digits and capitals without I, O, Z, S, V); the last
is a check character computed from the first 17 with weights 3^i mod 31.
"""

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    """The check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_errors(code: str) -> list[str]:
    """Every reason `code` is not a valid credit code; empty when it is valid."""
    if len(code) != 18:
        return [_("统一社会信用代码应为18位，此代码为%(n)d位。")
                % {"n": len(code)}]
    bad = sorted({c for c in code if c not in ALPHABET})
    if bad:
        return [_("统一社会信用代码不能包含字符：%(chars)s。")
                % {"chars": ", ".join(bad)}]
    expected = check_character(code[:17])
    if code[17] != expected:
        return [
            _("统一社会信用代码校验码错误：第18位为%(given)s，按GB 32100-2015应为%(expected)s。")
            % {"given": code[17], "expected": expected}
        ]
    return []


def make_credit_code(category: str, region_code: str, serial: int) -> str:
    """A well-formed code for an organ (registration authority 1) of `region_code`, for demos."""
    body = f"1{category}{region_code}{serial:09d}"
    return body + check_character(body)
