"""The deterministic demo hospital group (`careloop demo`).

The base generator (core.demo.generator) builds branches, departments, staff, members, households,
maternity records, visits and orders. Other contexts extend the demo with a module exposing
`seed(engine, session_factory, *, seed: int, as_of: date) -> None`, listed in EXTENSIONS in the
order they run; a missing module is skipped.
"""

EXTENSIONS: tuple[str, ...] = (
    "core.segments.demo",   # saved segments, RFM refresh (issue 4)
    "core.products.demo",   # catalogue, memberships, promotions (issue 5)
    "core.journeys.demo",   # SOP templates, enrollments, touches, tasks (issue 6)
    "core.kpis.demo",       # content, views, surveys, leads, appointments, rollups (issue 7)
)
