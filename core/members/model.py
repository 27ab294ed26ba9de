"""Member rules without a database: ages, pregnancy weeks, phone numbers, PII visibility."""

from __future__ import annotations

import re
from datetime import date

from core.auth.model import Actor

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


class InvalidPhone(ValueError):
    """Not an 11-digit mainland China mobile number."""


def normalize_phone(raw: str | None) -> str | None:
    """A mainland mobile in the stored +86 form (`+8613812341234`); None for empty; InvalidPhone otherwise."""
    if raw is None:
        return None
    digits = re.sub(r"[\s\-()]", "", str(raw))
    if digits == "":
        return None
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not PHONE_RE.match(digits):
        raise InvalidPhone(raw)
    return "+86" + digits


def local_phone(phone: str | None) -> str | None:
    """The 11 national digits of a stored +86 phone."""
    if not phone:
        return None
    return phone[3:] if phone.startswith("+86") else phone


def mask_phone(phone: str | None) -> str | None:
    """138****1234 — the first three and last four digits only."""
    digits = local_phone(phone)
    if not digits:
        return None
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def mask_name(name: str | None) -> str | None:
    """张** — the family name only."""
    if not name:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def age_on(birth_date: date | None, as_of: date) -> int | None:
    """Completed years on the as-of date."""
    if birth_date is None:
        return None
    years = as_of.year - birth_date.year
    if (as_of.month, as_of.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def age_in_months(birth_date: date | None, as_of: date) -> int | None:
    """Completed months on the as-of date."""
    if birth_date is None:
        return None
    months = (as_of.year - birth_date.year) * 12 + (as_of.month - birth_date.month)
    if as_of.day < birth_date.day:
        months -= 1
    return months


def pregnancy_week(expected_delivery: date | None, delivered: date | None, as_of: date) -> int | None:
    """floor((280 − (EDD − as_of)) / 7) while EDD is after as_of and there is no delivery; else None."""
    if expected_delivery is None or delivered is not None or expected_delivery <= as_of:
        return None
    return (280 - (expected_delivery - as_of).days) // 7


def life_stage(expected_delivery: date | None, delivered: date | None, as_of: date) -> str | None:
    """A maternity stage code: pregnant, postpartum (first year after delivery), or None."""
    if pregnancy_week(expected_delivery, delivered, as_of) is not None:
        return "pregnant"
    if delivered is not None and 0 <= (as_of - delivered).days <= 365:
        return "postpartum"
    return None


def pii_level(actor: Actor, member_advisor_id: int | None) -> str:
    """How much of a member's personal data the actor may see: 'full', 'partial' or 'none'.

    admin and the member's own advisor: full; lead and supervisor: name but masked phone;
    other advisors and product managers: masked name, no phone.
    """
    if actor.role == "admin" or (actor.role == "advisor" and member_advisor_id == actor.user_id):
        return "full"
    if actor.role in ("lead", "supervisor"):
        return "partial"
    return "none"


def shown_phone(phone: str | None, level: str) -> str | None:
    """The phone as the actor may see it."""
    if level == "full":
        return local_phone(phone)
    if level == "partial":
        return mask_phone(phone)
    return "***********" if phone else None


def shown_name(name: str | None, level: str) -> str | None:
    """The name as the actor may see it."""
    return name if level in ("full", "partial") else mask_name(name)
