"""Daily rollups that keep the dashboards fast, rebuilt one day at a time.

`kpi_reach_days` holds one row per member, day, channel and journey with the day of the member's
previous row in four groupings (any, per channel, per journey, per channel and journey). Period reach
is then the number of rows in the period whose pointer lies before the period: exact for any period.
`kpi_content_days` holds view counts per day, content item and channel (sums are exact); a click on a
touch's content link is recorded as a private-domain view first.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Date, and_, case, delete, func, insert, literal, or_, select, union_all, update
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.kpis import rollup_pairs
from core.kpis.definitions import PRIVATE_CHANNELS
from core.kpis.queries_touches import reach_facts
from core.kpis.sql import local_date, utc_bounds
from db.models.journeys import Task, Touch
from db.models.kpis import Content, ContentView, KpiContentDay, KpiReachDay, KpiRefresh

# pointer column -> the columns (besides member) that define its grouping
POINTERS = {
    "prev_any": (),
    "prev_channel": ("channel",),
    "prev_journey": ("journey_id",),
    "prev_cj": ("channel", "journey_id"),
}
LATE_EVENT_DAYS = 2  # an incremental refresh rebuilds the last days again: delivery reports arrive late


def _refresh_reach_day(session: Session, day: date) -> int:
    t = KpiReachDay.__table__
    r = t.alias("r")
    session.execute(delete(t).where(t.c.day == day))
    facts = reach_facts(day, day).subquery()
    agg = (select(facts.c.member_id, facts.c.channel, facts.c.journey_id, func.count().label("touches"))
           .group_by(facts.c.member_id, facts.c.channel, facts.c.journey_id).subquery("agg"))

    def pointer(cols: tuple[str, ...]):  # noqa: ANN202
        earlier = (select(func.max(r.c.day))
                   .where(r.c.member_id == agg.c.member_id, r.c.day < day, *(r.c[c] == agg.c[c] for c in cols))
                   .scalar_subquery())
        rank = func.row_number().over(partition_by=[agg.c.member_id, *(agg.c[c] for c in cols)],
                                      order_by=[agg.c.channel, agg.c.journey_id])
        return case((rank > 1, literal(day, Date)), else_=earlier)

    source = select(literal(day, Date), agg.c.member_id, agg.c.channel, agg.c.journey_id, agg.c.touches,
                    *(pointer(cols) for cols in POINTERS.values()))
    session.execute(insert(t).from_select(["day", "member_id", "channel", "journey_id", "touches", *POINTERS], source))
    # counted, not taken from rowcount: psycopg reports -1 for INSERT … SELECT
    inserted = session.scalar(select(func.count()).select_from(t).where(t.c.day == day))
    later_exists = session.scalar(select(func.count()).select_from(t).where(t.c.day > day).limit(1))
    if later_exists:
        touched_today = select(r.c.member_id).where(r.c.day == day)
        for name, cols in POINTERS.items():
            col = t.c[name]
            earlier = (select(func.max(r.c.day))
                       .where(r.c.member_id == t.c.member_id, r.c.day < t.c.day, *(r.c[c] == t.c[c] for c in cols))
                       .scalar_subquery())
            session.execute(
                update(t).values({name: earlier}).where(
                    t.c.day > day,
                    or_(col == day, and_(or_(col.is_(None), col < day), t.c.member_id.in_(touched_today))),
                )
            )
    return inserted or 0


def _sync_touch_views(session: Session, first: date, last: date) -> None:
    """Record a private-domain content view for every touch whose content link was clicked on first..last."""
    v = ContentView.__table__
    session.execute(delete(v).where(v.c.touch_id.is_not(None), v.c.viewed_on.between(first, last)))
    start, end = utc_bounds(first, last)
    clicked = (select(Touch.content_id, Touch.member_id, Touch.channel, literal(True), local_date(Touch.clicked_at),
                      Touch.id)
               .where(Touch.clicked_at >= start, Touch.clicked_at < end, Touch.content_id.is_not(None),
                      Touch.channel.in_(PRIVATE_CHANNELS),
                      Touch.content_id.in_(select(Content.id))))
    session.execute(insert(v).from_select(
        ["content_id", "member_id", "channel", "private_domain", "viewed_on", "touch_id"], clicked))


def _refresh_content_day(session: Session, day: date) -> int:
    _sync_touch_views(session, day, day)
    t = KpiContentDay.__table__
    session.execute(delete(t).where(t.c.day == day))
    v = ContentView
    source = (select(v.viewed_on, v.content_id, v.channel, v.private_domain, func.count())
              .where(v.viewed_on == day).group_by(v.viewed_on, v.content_id, v.channel, v.private_domain))
    session.execute(insert(t).from_select(["day", "content_id", "channel", "private_domain", "views"], source))
    return session.scalar(select(func.count()).select_from(t).where(t.c.day == day)) or 0


def refresh_day(session: Session, day: date, *, work: bool = True) -> dict:
    """Rebuild the rollups of one local day (inside the caller's transaction), and the aggregates from it on;
    `work`: also the task and step rollups of the recent days (a refresh of several days asks it on the last one)."""
    reach_rows = _refresh_reach_day(session, day)
    content_rows = _refresh_content_day(session, day)
    rollup_pairs.sync(session, day, day, work=work)
    session.execute(delete(KpiRefresh).where(KpiRefresh.day == day))
    session.add(KpiRefresh(day=day, refreshed_at=utcnow()))
    session.flush()
    return {"reach_rows": reach_rows, "content_rows": content_rows}


def rebuild(session: Session, first: date, last: date) -> dict:
    """Rebuild both rollups for every day first..last in one pass each (window functions over all facts).

    Rows before `first` stay and give the pointers their history; rows after `last` are removed, so
    `last` is normally today.
    """
    t = KpiReachDay.__table__
    session.execute(delete(t).where(t.c.day >= first))
    facts = reach_facts(first, last).subquery()
    agg = (select(facts.c.day, facts.c.member_id, facts.c.channel, facts.c.journey_id, func.count().label("touches"))
           .group_by(facts.c.day, facts.c.member_id, facts.c.channel, facts.c.journey_id).subquery("agg"))
    earlier = t.alias("r")
    before = (select(earlier.c.day, earlier.c.member_id, earlier.c.channel, earlier.c.journey_id,
                     earlier.c.touches).where(earlier.c.day < first))
    rows = union_all(select(agg), before).subquery("rows")
    order = {"prev_any": ("channel", "journey_id"), "prev_channel": ("journey_id",), "prev_journey": ("channel",),
             "prev_cj": ()}
    pointers = [func.lag(rows.c.day).over(partition_by=[rows.c.member_id, *(rows.c[c] for c in POINTERS[name])],
                                          order_by=[rows.c.day, *(rows.c[c] for c in order[name])])
                for name in POINTERS]
    ranked = select(rows.c.day, rows.c.member_id, rows.c.channel, rows.c.journey_id, rows.c.touches,
                    *pointers).subquery("ranked")
    session.execute(insert(t).from_select(
        ["day", "member_id", "channel", "journey_id", "touches", *POINTERS],
        select(ranked).where(ranked.c.day >= first).order_by(ranked.c.day, ranked.c.member_id)))
    reach_rows = session.scalar(select(func.count()).select_from(t).where(t.c.day >= first)) or 0
    _sync_touch_views(session, first, last)
    c = KpiContentDay.__table__
    session.execute(delete(c).where(c.c.day.between(first, last)))
    v = ContentView
    session.execute(insert(c).from_select(
        ["day", "content_id", "channel", "private_domain", "views"],
        select(v.viewed_on, v.content_id, v.channel, v.private_domain, func.count())
        .where(v.viewed_on.between(first, last))
        .group_by(v.viewed_on, v.content_id, v.channel, v.private_domain)))
    content_rows = session.scalar(select(func.count()).select_from(c).where(c.c.day.between(first, last))) or 0
    rollup_pairs.sync(session, first, last)
    session.execute(delete(KpiRefresh).where(KpiRefresh.day.between(first, last)))
    now = utcnow()
    session.execute(insert(KpiRefresh), [{"day": first + timedelta(days=i), "refreshed_at": now}
                                         for i in range((last - first).days + 1)])
    return {"days": (last - first).days + 1, "reach_rows": reach_rows, "content_rows": content_rows}


def last_refreshed_day(session: Session) -> date | None:
    """The newest day whose rollups were built."""
    return session.scalar(select(func.max(KpiRefresh.day)))


def first_fact_day(session: Session) -> date | None:
    """The earliest local day with a delivered touch, a completed task or a content view."""
    candidates = [
        session.scalar(select(func.min(local_date(Touch.delivered_at)))),
        session.scalar(select(func.min(local_date(Task.completed_at)))),
        session.scalar(select(func.min(ContentView.viewed_on))),
    ]
    days = [c if isinstance(c, date) else date.fromisoformat(c) for c in candidates if c]
    return min(days) if days else None


def pending_days(session: Session, today: date) -> list[date]:
    """The days an incremental refresh rebuilds: from a little before the last refreshed day to today."""
    last = last_refreshed_day(session)
    start = last - timedelta(days=LATE_EVENT_DAYS) if last else first_fact_day(session)
    if start is None or start > today:
        return []
    return [start + timedelta(days=i) for i in range((today - start).days + 1)]
