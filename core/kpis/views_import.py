"""Import content views from a CSV export of the channels (content_code, channel, viewed_on[, member]).

The channel decides whether a view is private-domain (WeCom 1:1, group, Moments, SMS link) or baseline
(official account, Xiaohongshu, Dianping, website); other channels are refused with the line number.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.kpis.definitions import BASELINE_CHANNELS, PRIVATE_CHANNELS
from db.models import Member
from db.models.kpis import Content, ContentView

REQUIRED = ("content_code", "channel", "viewed_on")
BATCH = 50_000


@dataclass
class ViewImport:
    inserted: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, catalogue key)


def parse_views(text: str) -> tuple[list[dict], list[tuple[int, str]]]:
    """Rows of a views CSV as dicts (content_code, channel, private_domain, viewed_on, member), and the
    lines refused with the reason's catalogue key."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        return [], [(1, "kpi.views.missing_columns")]
    rows, rejected = [], []
    for line, raw in enumerate(reader, start=2):
        channel = (raw.get("channel") or "").strip()
        if channel not in PRIVATE_CHANNELS + BASELINE_CHANNELS:
            rejected.append((line, "kpi.views.bad_channel"))
            continue
        try:
            day = date.fromisoformat((raw.get("viewed_on") or "").strip())
        except ValueError:
            rejected.append((line, "kpi.views.bad_date"))
            continue
        rows.append({"line": line, "content_code": (raw.get("content_code") or "").strip(), "channel": channel,
                     "private_domain": channel in PRIVATE_CHANNELS, "viewed_on": day,
                     "member": (raw.get("member_external_id") or "").strip() or None})
    return rows, rejected


def import_views(session: Session, actor: Actor, text: str) -> ViewImport:
    """Store the valid views of a CSV in one transaction (bulk inserts), audited; unknown content is refused."""
    require_role(actor, "admin", "lead")
    rows, rejected = parse_views(text)
    result = ViewImport(rejected=rejected)
    with session.begin():
        contents = dict(session.execute(select(Content.code, Content.id)).all())
        wanted = {r["member"] for r in rows if r["member"]}
        members = dict(session.execute(select(Member.external_id, Member.id).where(Member.external_id.in_(wanted))).all()) \
            if wanted else {}
        good = []
        for r in rows:
            if r["content_code"] not in contents:
                result.rejected.append((r["line"], "kpi.views.unknown_content"))
                continue
            good.append({"content_id": contents[r["content_code"]], "member_id": members.get(r["member"]),
                         "channel": r["channel"], "private_domain": r["private_domain"], "viewed_on": r["viewed_on"]})
        for start in range(0, len(good), BATCH):
            session.execute(insert(ContentView.__table__), good[start:start + BATCH])
        result.inserted = len(good)
        result.rejected.sort()
        record(session, actor, "import", "content_views", None,
               {"inserted": result.inserted, "rejected": len(result.rejected)})
    return result
