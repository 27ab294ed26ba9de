"""Builders for journey tests: a journey with steps, written straight to the tables."""

from __future__ import annotations

from datetime import datetime

from db.models.journeys import Journey, JourneyStep


def make_journey(session, code="j1", *, anchor="edd", status="active", steps=(), **fields) -> tuple[int, list[int]]:
    """A journey with steps given as dicts of JourneyStep fields; returns (journey id, step ids)."""
    fields.setdefault("holdout_pct", 0)
    fields.setdefault("no_consent_action", "task")
    journey = Journey(code=code, name=code, status=status, version=1, anchor=anchor,
                      created_at=datetime(2026, 1, 1), **fields)
    session.add(journey)
    session.flush()
    ids = []
    for position, raw in enumerate(steps, start=1):
        values = dict(name=f"step {position}", kind="service_reminder", channel="sms", executor="system",
                      offset_days=0, template="{name}您好", version=1, late_days=3)
        values.update(raw)
        step = JourneyStep(journey_id=journey.id, position=position, **values)
        session.add(step)
        session.flush()
        step.lineage_id = step.id
        ids.append(step.id)
    session.commit()
    return journey.id, ids
