"""Saved column mappings per source, and the history of import runs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.clock import utcnow
from core.imports.model import COLUMNS
from core.imports.services import IMPORTERS
from db.models.imports import ImportMapping, ImportRun


def save_mapping(session: Session, actor: Actor, source: str, kind: str, mapping: dict[str, str]) -> None:
    """Remember how a source's headers map onto canonical columns (for its next file)."""
    require_role(actor, *IMPORTERS)
    source = source.strip()[:64]
    clean = {str(h): c for h, c in mapping.items() if c in COLUMNS[kind]}
    with session.begin():
        row = session.scalar(select(ImportMapping).where(ImportMapping.source == source, ImportMapping.kind == kind))
        text = json.dumps(clean, ensure_ascii=False, sort_keys=True)
        if row is None:
            session.add(ImportMapping(source=source, kind=kind, mapping=text, updated_by=actor.username,
                                      updated_at=utcnow()))
        else:
            row.mapping, row.updated_by, row.updated_at = text, actor.username, utcnow()
        record(session, actor, "save", "import_mapping", f"{source}/{kind}", clean)


def load_mapping(session: Session, source: str, kind: str) -> dict[str, str]:
    """The saved mapping of a source for a kind ({} when none)."""
    with session.begin():
        text = session.scalar(select(ImportMapping.mapping).where(
            ImportMapping.source == source.strip(), ImportMapping.kind == kind))
    return json.loads(text) if text else {}


def list_sources(session: Session) -> list[str]:
    """Names of sources that have a saved mapping."""
    with session.begin():
        return sorted(set(session.scalars(select(ImportMapping.source))))


@dataclass(frozen=True)
class RunSummary:
    id: int
    kind: str
    file_name: str
    actor: str
    dry_run: bool
    status: str
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    started_at: datetime


def recent_runs(session: Session, actor: Actor, limit: int = 20) -> list[RunSummary]:
    """The latest import runs, newest first."""
    require_role(actor, *IMPORTERS)
    with session.begin():
        rows = session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)).all()
        return [RunSummary(r.id, r.kind, r.file_name, r.actor, r.dry_run, r.status, r.inserted, r.updated,
                           r.unchanged, r.rejected, r.started_at) for r in rows]
