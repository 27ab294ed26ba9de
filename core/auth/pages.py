"""Which screens exist and which roles may open them (pure data; app.py and every page read it)."""

from __future__ import annotations

from dataclasses import dataclass

ALL = ("admin", "lead", "product_manager", "supervisor", "advisor")
KPI_READERS = ("lead", "supervisor", "admin")


@dataclass(frozen=True)
class PageSpec:
    path: str           # file path relative to the project root
    title_key: str      # catalogue key of the title
    icon: str
    section: str        # catalogue key of the navigation section
    roles: tuple[str, ...]


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "nav.home", ":material/home:", "nav.section.overview", ALL),
    PageSpec("pages/profile.py", "nav.profile", ":material/person_search:", "nav.section.members", ALL),
    PageSpec("pages/data_import.py", "nav.import", ":material/upload_file:", "nav.section.members", ("admin", "lead")),
    PageSpec("pages/segments.py", "nav.segments", ":material/filter_alt:", "nav.section.members", ("lead", "admin")),
    PageSpec("pages/rfm.py", "nav.rfm", ":material/grid_on:", "nav.section.members", ("lead", "admin", "product_manager")),
    PageSpec("pages/products.py", "nav.products", ":material/inventory_2:", "nav.section.products", ALL),
    PageSpec("pages/quote.py", "nav.quote", ":material/request_quote:", "nav.section.products",
             ("advisor", "lead", "product_manager", "supervisor")),
    PageSpec("pages/journeys.py", "nav.journeys", ":material/calendar_month:", "nav.section.journeys",
             ("lead", "product_manager", "supervisor", "admin")),
    PageSpec("pages/worklist.py", "nav.worklist", ":material/checklist:", "nav.section.journeys", ("advisor",)),
    PageSpec("pages/supervision.py", "nav.supervision", ":material/monitoring:", "nav.section.journeys",
             ("supervisor", "lead")),
    PageSpec("pages/leads.py", "nav.leads", ":material/contact_phone:", "nav.section.journeys",
             ("lead", "supervisor", "advisor")),
    PageSpec("pages/surveys.py", "nav.surveys", ":material/rate_review:", "nav.section.journeys", ("lead", "advisor")),
    PageSpec("pages/kpi_reach.py", "nav.kpi_reach", ":material/campaign:", "nav.section.kpis", KPI_READERS),
    PageSpec("pages/kpi_exposure.py", "nav.kpi_exposure", ":material/visibility:", "nav.section.kpis",
             KPI_READERS + ("product_manager",)),
    PageSpec("pages/kpi_satisfaction.py", "nav.kpi_satisfaction", ":material/sentiment_satisfied:",
             "nav.section.kpis", KPI_READERS),
    PageSpec("pages/kpi_steps.py", "nav.kpi_steps", ":material/stacked_line_chart:", "nav.section.kpis",
             KPI_READERS + ("product_manager",)),
    PageSpec("pages/kpi_conversion.py", "nav.kpi_conversion", ":material/trending_up:", "nav.section.kpis",
             KPI_READERS + ("product_manager",)),
    PageSpec("pages/kpi_uplift.py", "nav.kpi_uplift", ":material/science:", "nav.section.kpis", KPI_READERS),
    PageSpec("pages/kpi_private.py", "nav.kpi_private", ":material/diamond:", "nav.section.kpis", KPI_READERS),
    PageSpec("pages/kpi_tasks.py", "nav.kpi_tasks", ":material/task_alt:", "nav.section.kpis", KPI_READERS),
    PageSpec("pages/kpi_report.py", "nav.kpi_report", ":material/print:", "nav.section.kpis", KPI_READERS),
    PageSpec("pages/admin_users.py", "nav.users", ":material/manage_accounts:", "nav.section.admin", ("admin",)),
    PageSpec("pages/audit.py", "nav.audit", ":material/history:", "nav.section.admin", ("admin",)),
)

SECTION_ORDER = (
    "nav.section.overview", "nav.section.members", "nav.section.products", "nav.section.journeys",
    "nav.section.kpis", "nav.section.admin",
)


def page(path: str) -> PageSpec:
    """The registered page at `path`."""
    for spec in PAGES:
        if spec.path == path:
            return spec
    raise KeyError(path)


def pages_for(role: str) -> list[PageSpec]:
    """The pages a role may open, in navigation order."""
    return [p for p in PAGES if role in p.roles]
