"""Journey rules without a database: anchors and offsets, send windows, templates, consent, caps, statuses."""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from core.clock import LOCAL_TZ
from db.models.journeys import ANCHORS, CHANNELS, EXECUTORS, STEP_KINDS

PLACEHOLDERS = ("name", "week", "advisor", "product", "price")
DAY_ANCHORS = tuple(a for a in ANCHORS if a != "edd")
RECURRING_ANCHORS = ("last_visit", "purchase")  # a new visit or purchase starts a new occurrence
SYSTEM_CHANNELS = ("sms", "wecom", "wecom_group", "moments")
WECOM_CHANNELS = ("wecom", "wecom_group", "moments")
GESTATION_DAYS = 280
DEFAULT_CAP = 3
CAP_WINDOW_DAYS = 7
DEFAULT_QUIET = (21 * 60, 8 * 60)  # 21:00 – 08:00 local: nothing is sent
EXIT_RULES = ("consent_withdrawn", "delivered_elsewhere", "refunded", "suppressed", "segment", "completed")
ENTRY_AUDIENCES = ("pregnant", "discharged", "school_age_child", "dental_scaling")
TRANSITIONS = {
    "draft": ("in_review",),
    "in_review": ("active", "draft"),
    "active": ("paused", "retired"),
    "paused": ("active", "retired"),
    "retired": (),
}
APPROVER_ROLES = ("lead",)
EDITOR_ROLES = ("lead", "product_manager", "admin")


class JourneyError(ValueError):
    """A journey or step breaks a rule; `key` is a catalogue key, `params` fill it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class StepSpec:
    """What an editor sets on a step; validated by `check_step`."""

    name: str
    kind: str
    channel: str
    executor: str
    offset_days: int = 0
    offset_weeks: int | None = None
    send_from_min: int = 9 * 60
    send_to_min: int = 20 * 60
    late_days: int = 3
    template: str | None = None
    script: str | None = None
    is_marketing: bool = False
    runs_when_suppressed: bool = False
    product_code: str | None = None
    content_id: int | None = None
    survey_id: int | None = None
    name_en: str | None = None
    condition_rule: str | None = None

    def moved(self, offset_days: int, offset_weeks: int | None = None) -> StepSpec:
        """The same step at another offset."""
        return replace(self, offset_days=offset_days, offset_weeks=offset_weeks)


@dataclass(frozen=True)
class Anchor:
    """How a journey sets the clock of its steps."""

    kind: str
    department_id: int | None = None
    product_code: str | None = None
    month: int | None = None
    day: int | None = None
    extra: dict = field(default_factory=dict)


def template_fields(template: str) -> list[str]:
    """The placeholder names used in a template; JourneyError when the braces are malformed."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        raise JourneyError("journeys.error.template_braces") from None
    names = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name == "" or spec or conversion:
            raise JourneyError("journeys.error.template_placeholder", placeholder="{" + (name or "") + "}")
        names.append(name)
    return names


def check_template(template: str | None) -> None:
    """Raise JourneyError unless every placeholder is one of {name} {week} {advisor} {product} {price}."""
    if not template:
        return
    for name in template_fields(template):
        if name not in PLACEHOLDERS:
            raise JourneyError("journeys.error.template_placeholder", placeholder="{" + name + "}")


def render(template: str | None, values: dict[str, object]) -> str:
    """The template with its placeholders filled (missing values become empty)."""
    if not template:
        return ""
    check_template(template)
    return template.format(**{p: "" if values.get(p) is None else values[p] for p in PLACEHOLDERS})


def check_step(step: StepSpec, anchor: str, quiet: tuple[int, int] = DEFAULT_QUIET) -> StepSpec:
    """Return the step when it is valid for a journey with this anchor, else raise JourneyError."""
    if not step.name or not step.name.strip():
        raise JourneyError("journeys.error.step_name")
    if step.kind not in STEP_KINDS:
        raise JourneyError("journeys.error.step_kind", kind=step.kind)
    if step.channel not in CHANNELS:
        raise JourneyError("journeys.error.step_channel", channel=step.channel)
    if step.executor not in EXECUTORS:
        raise JourneyError("journeys.error.step_executor", executor=step.executor)
    if step.executor == "system" and step.channel not in SYSTEM_CHANNELS:
        raise JourneyError("journeys.error.system_channel", channel=step.channel)
    if anchor == "edd":
        if step.offset_weeks is None or not 0 <= step.offset_weeks <= 42:
            raise JourneyError("journeys.error.pregnancy_week")
        if not 0 <= step.offset_days <= 6:
            raise JourneyError("journeys.error.pregnancy_day")
    elif not -366 <= step.offset_days + 7 * (step.offset_weeks or 0) <= 3 * 366:
        raise JourneyError("journeys.error.offset_range")
    if not 0 <= step.send_from_min < step.send_to_min <= 24 * 60:
        raise JourneyError("journeys.error.send_window")
    if send_minute(step.send_from_min, step.send_to_min, quiet) is None:
        raise JourneyError("journeys.error.quiet_hours")
    if not 0 <= step.late_days <= 30:
        raise JourneyError("journeys.error.late_days")
    if step.executor == "system" and not (step.template or "").strip():
        raise JourneyError("journeys.error.template_required")
    check_template(step.template)
    if "{product}" in (step.template or "") or "{price}" in (step.template or ""):
        if not step.product_code:
            raise JourneyError("journeys.error.product_required")
    return step


def check_anchor(anchor: Anchor) -> Anchor:
    """Return the anchor when complete, else raise JourneyError."""
    if anchor.kind not in ANCHORS:
        raise JourneyError("journeys.error.anchor", anchor=anchor.kind)
    if anchor.kind == "last_visit" and anchor.department_id is None:
        raise JourneyError("journeys.error.anchor_department")
    if anchor.kind == "purchase" and not anchor.product_code:
        raise JourneyError("journeys.error.anchor_product")
    if anchor.kind == "yearly":
        if anchor.month is None or anchor.day is None:
            raise JourneyError("journeys.error.anchor_date")
        try:
            date(2024, anchor.month, anchor.day)
        except ValueError:
            raise JourneyError("journeys.error.anchor_date") from None
    return anchor


def offset_total(offset_weeks: int | None, offset_days: int) -> int:
    """Days from the anchor's base date (EDD − 280 days for EDD anchors, the anchor date otherwise)."""
    return 7 * (offset_weeks or 0) + offset_days


def anchor_base(anchor: str, anchor_date: date) -> date:
    """The day the offsets count from: EDD − 280 days (week 0 + 0) for EDD anchors, else the anchor date."""
    return anchor_date - timedelta(days=GESTATION_DAYS) if anchor == "edd" else anchor_date


def step_date(anchor: str, anchor_date: date, offset_weeks: int | None, offset_days: int) -> date:
    """The date a step falls on for a member whose anchor date is `anchor_date`."""
    return anchor_base(anchor, anchor_date) + timedelta(days=offset_total(offset_weeks, offset_days))


def yearly_anchor(year: int, month: int, day: int) -> date:
    """The fixed calendar date in `year` (29 February becomes 28 February in common years)."""
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, 28)


def pregnancy_week_day(edd: date, on: date) -> tuple[int, int]:
    """Completed pregnancy weeks and extra days on a date, counting from EDD − 280 days."""
    days = GESTATION_DAYS - (edd - on).days
    return days // 7, days % 7


def send_minute(send_from: int, send_to: int, quiet: tuple[int, int] = DEFAULT_QUIET) -> int | None:
    """The first minute of the day inside the step's window and outside quiet hours; None when there is none."""
    quiet_start, quiet_end = quiet
    for minute in range(send_from, send_to):
        if quiet_start > quiet_end:  # quiet hours wrap midnight, e.g. 21:00 – 08:00
            in_quiet = minute >= quiet_start or minute < quiet_end
        else:
            in_quiet = quiet_start <= minute < quiet_end
        if not in_quiet:
            return minute
    return None


def send_instant(day: date, minute: int) -> datetime:
    """The naive-UTC instant of a local day and minute of day."""
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=LOCAL_TZ)
    return local.astimezone(UTC).replace(tzinfo=None)


def consent_block(channel: str, sms_consent: bool, wecom_consent: bool) -> str | None:
    """Why a message on this channel may not go to the member (a reason code), or None when it may."""
    if channel == "sms" and not sms_consent:
        return "no_sms_consent"
    if channel in WECOM_CHANNELS and not wecom_consent:
        return "no_wecom_consent"
    return None


def cap_allowance(cap: int, sent_in_window: int) -> int:
    """How many more system touches a member may get today under a cap per 7 days."""
    return max(cap - sent_in_window, 0)


def is_control(journey_id: int, member_id: int, holdout_pct: int) -> bool:
    """The hold-out draw: a stable pseudo-random share of entrants per journey (mirrors the SQL in queries)."""
    return (member_id * 7919 + journey_id * 104729) % 100 < holdout_pct


def is_paused_by_suppression(is_marketing: bool, runs_when_suppressed: bool) -> bool:
    """Marketing steps always pause for a suppressed member; other steps pause unless they say they run on."""
    return is_marketing or not runs_when_suppressed


def check_transition(current: str, target: str) -> None:
    """Raise JourneyError unless a journey may go from `current` to `target`."""
    if target not in TRANSITIONS.get(current, ()):
        raise JourneyError("journeys.error.transition", current=current, target=target)


def timeline_position(anchor: str, offset_weeks: int | None, offset_days: int) -> int:
    """A sortable day number for laying steps on the timeline (pregnancy days for EDD anchors)."""
    return offset_total(offset_weeks, offset_days)


def occurrence_years(as_of: date, month: int, day: int, total_offset: int, horizon_days: int) -> list[int]:
    """The years of a yearly anchor whose step date lies in [as_of − 366 days, as_of + horizon]."""
    years = []
    for year in (as_of.year - 1, as_of.year, as_of.year + 1):
        when = yearly_anchor(year, month, day) + timedelta(days=total_offset)
        if as_of - timedelta(days=366) <= when <= as_of + timedelta(days=horizon_days):
            years.append(year)
    return years
