"""Segment use cases: count a rule, save/duplicate/archive segments, sample, overlap, daily sizes."""

from __future__ import annotations

import json
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import ROLES, Actor, require_role
from core.clock import today, utcnow
from core.segments.compile import count_statement, load_codes, member_ids, predicate
from core.segments.model import parse_rule, to_dict
from db.models import Member
from db.models.segments import Segment, SegmentSize

MANAGERS = ("lead", "admin")
NAME_MAX = 100


class SegmentError(ValueError):
    """A segment cannot be saved or found; `key` is a catalogue key, `params` its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class SegmentInfo:
    id: int
    name: str
    description: str | None
    archived: bool
    rule: dict
    created_by: str
    created_at: datetime
    updated_at: datetime
    last_size: int | None
    last_size_on: date | None


@dataclass(frozen=True)
class OverlapRegion:
    """Members in exactly the segments flagged True (by position)."""

    inside: tuple[bool, ...]
    members: int


def transaction(session: Session) -> AbstractContextManager:
    """A transaction of our own, or the caller's when one is already open (journeys, pricing)."""
    return nullcontext() if session.in_transaction() else session.begin()


def count(session: Session, actor: Actor, rule: dict, *, as_of: date) -> int:
    """How many members match the rule on `as_of` (RuleError when the rule is refused)."""
    require_role(actor, *ROLES)
    parsed = parse_rule(rule)
    with transaction(session):
        return int(session.scalar(count_statement(parsed, as_of=as_of, codes=load_codes(session))) or 0)


def saved_segment_rule(session: Session, segment_id: int) -> dict:
    """The rule of a saved segment (archived ones too); SegmentError when there is none."""
    with transaction(session):
        text = session.scalar(select(Segment.rule).where(Segment.id == segment_id))
    if text is None:
        raise SegmentError("segments.not_found", id=segment_id)
    return json.loads(text)


def _last_sizes() -> select:
    newest = (select(SegmentSize.segment_id, func.max(SegmentSize.on_date).label("on_date"))
              .group_by(SegmentSize.segment_id).subquery())
    return (select(SegmentSize.segment_id, SegmentSize.size, SegmentSize.on_date)
            .join(newest, (newest.c.segment_id == SegmentSize.segment_id)
                  & (newest.c.on_date == SegmentSize.on_date)))


def list_segments(session: Session, actor: Actor, *, include_archived: bool = True) -> list[SegmentInfo]:
    """Saved segments by name, with their last snapshot size."""
    require_role(actor, *ROLES)
    stmt = select(Segment).order_by(Segment.archived, Segment.name, Segment.id)
    if not include_archived:
        stmt = stmt.where(Segment.archived.is_(False))
    with transaction(session):
        sizes = {row.segment_id: (row.size, row.on_date) for row in session.execute(_last_sizes())}
        return [
            SegmentInfo(s.id, s.name, s.description, s.archived, json.loads(s.rule), s.created_by, s.created_at,
                        s.updated_at, *sizes.get(s.id, (None, None)))
            for s in session.scalars(stmt)
        ]


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise SegmentError("segments.bad_name", max=NAME_MAX)
    return name


def save_segment(session: Session, actor: Actor, *, name: str, description: str | None, rule: dict,
                 segment_id: int | None = None) -> int:
    """Create a saved segment, or update one when `segment_id` is given; returns its id."""
    require_role(actor, *MANAGERS)
    name = _check_name(name)
    stored = json.dumps(to_dict(parse_rule(rule)), ensure_ascii=False, sort_keys=True)
    description = (description or "").strip() or None
    now = utcnow()
    with transaction(session):
        if segment_id is None:
            row = Segment(name=name, description=description, rule=stored, archived=False,
                          created_by=actor.username, created_at=now, updated_at=now)
            session.add(row)
            session.flush()
            record(session, actor, "create", "segment", row.id, {"name": name, "rule": stored})
            return row.id
        row = session.get(Segment, segment_id)
        if row is None:
            raise SegmentError("segments.not_found", id=segment_id)
        changes = {"name": [row.name, name], "description": [row.description, description],
                   "rule": [row.rule, stored]}
        changes = {k: v for k, v in changes.items() if v[0] != v[1]}
        row.name, row.description, row.rule, row.updated_at = name, description, stored, now
        record(session, actor, "update", "segment", row.id, changes)
        return row.id


def duplicate_segment(session: Session, actor: Actor, segment_id: int, *, name: str | None = None) -> int:
    """A new saved segment with the same rule; returns its id."""
    require_role(actor, *MANAGERS)
    now = utcnow()
    with transaction(session):
        source = session.get(Segment, segment_id)
        if source is None:
            raise SegmentError("segments.not_found", id=segment_id)
        copy = Segment(name=_check_name(name or f"{source.name} (2)"[:NAME_MAX]), description=source.description,
                       rule=source.rule, archived=False, created_by=actor.username, created_at=now, updated_at=now)
        session.add(copy)
        session.flush()
        record(session, actor, "duplicate", "segment", copy.id, {"from": segment_id, "name": copy.name})
        return copy.id


def archive_segment(session: Session, actor: Actor, segment_id: int, *, archived: bool = True) -> None:
    """Archive (or restore) a saved segment; archived segments take no daily snapshot."""
    require_role(actor, *MANAGERS)
    with transaction(session):
        row = session.get(Segment, segment_id)
        if row is None:
            raise SegmentError("segments.not_found", id=segment_id)
        if row.archived != archived:
            record(session, actor, "archive" if archived else "restore", "segment", row.id,
                   {"archived": [row.archived, archived]})
            row.archived, row.updated_at = archived, utcnow()


def overlap(session: Session, actor: Actor, rules: list[dict], *, as_of: date) -> list[OverlapRegion]:
    """Venn counts of 2–3 rules: members in each exact combination of them (outside all: left out)."""
    require_role(actor, *ROLES)
    if not 2 <= len(rules) <= 3:
        raise SegmentError("segments.overlap_count")
    parsed = [parse_rule(r) for r in rules]
    with transaction(session):
        codes = load_codes(session)
        preds = [predicate(p, as_of, codes) for p in parsed]
        flags = [case((p, 1), else_=0).label(f"in_{i}") for i, p in enumerate(preds)]
        inner = select(*flags).select_from(Member).where(
            member_ids({"any": rules}, as_of=as_of, codes=codes).whereclause).subquery()
        cols = [inner.c[f"in_{i}"] for i in range(len(rules))]
        stmt = select(*cols, func.count()).group_by(*cols)
        found = {tuple(bool(v) for v in row[:-1]): int(row[-1]) for row in session.execute(stmt)}
    combos = [tuple(bool(b >> i & 1) for i in range(len(rules))) for b in range(1, 2 ** len(rules))]
    return [OverlapRegion(c, found.get(c, 0)) for c in sorted(combos, key=lambda c: (sum(c), c[::-1]))]


def snapshot_sizes(session: Session, *, on_date: date | None = None) -> int:
    """Record today's size of every saved, non-archived segment (the daily run calls this); returns how many."""
    on_date = on_date or today()
    with transaction(session):
        rows = session.execute(select(Segment.id, Segment.rule).where(Segment.archived.is_(False))).all()
        codes = load_codes(session)
        for segment_id, text in rows:
            size = int(session.scalar(count_statement(parse_rule(json.loads(text)), as_of=on_date, codes=codes)) or 0)
            existing = session.get(SegmentSize, (segment_id, on_date))
            if existing is None:
                session.add(SegmentSize(segment_id=segment_id, on_date=on_date, size=size, taken_at=utcnow()))
            else:
                existing.size, existing.taken_at = size, utcnow()
        return len(rows)


def size_trend(session: Session, actor: Actor, segment_id: int) -> list[tuple[date, int]]:
    """The daily sizes of a saved segment, oldest first."""
    require_role(actor, *ROLES)
    stmt = (select(SegmentSize.on_date, SegmentSize.size).where(SegmentSize.segment_id == segment_id)
            .order_by(SegmentSize.on_date))
    with transaction(session):
        return [(d, int(n)) for d, n in session.execute(stmt)]


def field_options(session: Session, actor: Actor) -> dict[str, list[str]]:
    """Known values of the text fields, offered by the builder (any other value can still be typed)."""
    from db.models import Branch, Department, Order, Tag, User

    require_role(actor, *ROLES)

    def distinct_values(col, limit: int = 200) -> select:  # noqa: ANN001
        return select(col).where(col.is_not(None)).group_by(col).order_by(col).limit(limit)

    queries = {
        "branch": select(Branch.code).order_by(Branch.code),
        "visits.department": select(Department.code).order_by(Department.code),
        "tag": select(Tag.name).order_by(Tag.name),
        "advisor": select(User.username).where(User.role == "advisor").order_by(User.username),
        "city": distinct_values(Member.city),
        "source_channel": distinct_values(Member.source_channel),
        "orders.product_code": distinct_values(Order.product_code),
    }
    with transaction(session):
        return {name: [str(v) for v in session.scalars(stmt)] for name, stmt in queries.items()}
