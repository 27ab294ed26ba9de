"""All tables. Every module in this package is imported so Base.metadata is complete.

Each bounded context owns one module here (org, members, audit, imports, segments, products,
journeys, kpis, ...); new modules are picked up without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil

from db.base import Base

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_info.name}")

metadata = Base.metadata

from db.models.audit import AuditLog  # noqa: E402
from db.models.members import (  # noqa: E402
    Household,
    HouseholdMember,
    MaternityRecord,
    Member,
    MemberTag,
    Order,
    Tag,
    Visit,
)
from db.models.org import AppSetting, Branch, Department, LoginAttempt, User, UserSession  # noqa: E402

__all__ = [
    "AppSetting", "AuditLog", "Base", "Branch", "Department", "Household", "HouseholdMember",
    "LoginAttempt", "MaternityRecord", "Member", "MemberTag", "Order", "Tag", "User", "UserSession",
    "Visit", "metadata",
]
