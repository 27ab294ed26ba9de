from ui.guard import require_page

actor = require_page("pages/data_import.py")

from pathlib import Path  # noqa: E402

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from core.i18n import fmt_date  # noqa: E402
from core.imports.model import COLUMNS, KINDS, ImportFileError, suggest_mapping  # noqa: E402
from core.imports.services import (  # noqa: E402
    Preview,
    discard_upload,
    file_headers,
    import_file,
    preview_file,
    reason_text,
    rejection_rows,
    store_upload,
)
from core.imports.sources import list_sources, load_mapping, recent_runs, save_mapping  # noqa: E402
from ui.export import download_buttons  # noqa: E402
from ui.runtime import lang, new_session, settings, tr  # noqa: E402

PREVIEW_ROWS = 20
ERROR_STYLE = "background-color: #f8d7da; color: #842029"

cfg = settings()
state = st.session_state
state.setdefault("data_import_upload", None)
state.setdefault("data_import_result", None)

st.title(tr("nav.import"))
st.caption(tr("imports.page.intro"))


def file_error(exc: ImportFileError) -> None:
    st.error(tr(exc.key, **exc.params))


tab_import, tab_runs = st.tabs([tr("nav.import"), tr("imports.page.runs")])

with tab_runs:
    with new_session() as s:
        runs = recent_runs(s, actor)
    if not runs:
        st.caption(tr("imports.page.no_runs"))
    else:
        st.dataframe(pd.DataFrame([{
            tr("imports.run.started"): fmt_date(r.started_at), tr("imports.run.kind"): tr(f"imports.kind.{r.kind}"),
            tr("imports.run.file"): r.file_name, tr("imports.run.actor"): r.actor,
            tr("imports.run.dry_run"): r.dry_run, tr("imports.run.status"): r.status,
            tr("imports.run.inserted"): r.inserted, tr("imports.run.updated"): r.updated,
            tr("imports.run.unchanged"): r.unchanged, tr("imports.run.rejected"): r.rejected,
        } for r in runs]), hide_index=True, width="stretch", key="data_import_runs")

with tab_import:
    uploaded = st.file_uploader(tr("imports.page.file"), type=["csv", "xlsx"], key="data_import_file")
    if uploaded is not None and (state.data_import_upload or {}).get("id") != uploaded.file_id:
        try:
            path = store_upload(uploaded.getvalue(), uploaded.name, max_mb=cfg.import_max_mb)
        except ImportFileError as exc:
            file_error(exc)
            st.stop()
        if state.data_import_upload:
            discard_upload(state.data_import_upload["path"])
        state.data_import_upload = {"id": uploaded.file_id, "name": uploaded.name, "path": str(path)}
        state.data_import_result = None

    upload = state.data_import_upload
    left, right = st.columns(2)
    kind = left.selectbox(tr("imports.page.kind"), KINDS, format_func=lambda k: tr(f"imports.kind.{k}"),
                          key="data_import_kind")
    with new_session() as s:
        sources = list_sources(s)
    source = right.selectbox(tr("imports.page.source"), ["", *sources], accept_new_options=True,
                             format_func=lambda v: v or tr("imports.page.unsaved_source"), key="data_import_source")
    if upload is None:
        st.stop()

    path = Path(upload["path"])


    @st.cache_data(ttl=600, show_spinner=False)
    def cached_headers(file: str, max_mb: int, max_rows: int) -> list[str]:
        return file_headers(Path(file), max_mb=max_mb, max_rows=max_rows)


    @st.cache_data(ttl=600, show_spinner=False)
    def cached_preview(file: str, kind: str, mapping: tuple, max_mb: int, max_rows: int) -> Preview:
        return preview_file(Path(file), kind, max_mb=max_mb, max_rows=max_rows, mapping=dict(mapping),
                            limit=PREVIEW_ROWS)


    with new_session() as s:
        saved = load_mapping(s, source, kind) if source else {}
    try:
        headers = cached_headers(str(path), cfg.import_max_mb, cfg.import_max_rows)
    except ImportFileError as exc:
        file_error(exc)
        st.stop()

    st.subheader(tr("imports.page.mapping"))
    st.caption(tr("imports.page.mapping_help"))
    suggested = suggest_mapping(kind, headers, saved)
    edited = st.data_editor(
        pd.DataFrame({"header": list(suggested), "canonical": list(suggested.values())}),
        column_config={
            "header": st.column_config.TextColumn(tr("imports.page.header"), disabled=True),
            "canonical": st.column_config.SelectboxColumn(tr("imports.page.canonical"), options=["", *COLUMNS[kind]]),
        },
        hide_index=True, width="stretch", key=f"data_import_mapping_{kind}_{source}_{upload['id']}",
    )
    mapping = {str(h): str(c) for h, c in zip(edited["header"], edited["canonical"], strict=True) if c}
    if source and st.button(tr("imports.page.save_mapping"), key="data_import_save_mapping"):
        with new_session() as s:
            save_mapping(s, actor, source, kind, mapping)
        st.success(tr("imports.page.mapping_saved", source=source))

    try:
        preview = cached_preview(str(path), kind, tuple(sorted(mapping.items())), cfg.import_max_mb,
                                 cfg.import_max_rows)
    except ImportFileError as exc:
        file_error(exc)
        st.stop()

    st.subheader(tr("imports.page.preview", n=PREVIEW_ROWS))
    if preview.ignored:
        st.warning(tr("imports.page.ignored", columns=", ".join(preview.ignored)))
    frame = pd.DataFrame(preview.rows, columns=preview.columns)
    marks = pd.DataFrame([[ERROR_STYLE if c in errs else "" for c in preview.columns] for errs in preview.errors],
                         columns=preview.columns, index=frame.index)
    st.dataframe(frame.style.apply(lambda _: marks, axis=None), hide_index=True, width="stretch",
                 key="data_import_preview")
    bad = [(i + 2, errs) for i, errs in enumerate(preview.errors) if errs]
    if bad:
        st.warning(tr("imports.page.preview_errors", n=sum(len(e) for _, e in bad)))
        for line, errs in bad:
            st.text(f"#{line}: {reason_text(errs, lang())}")


    def run_import(dry_run: bool) -> None:
        bar = st.progress(0.0)

        def progress(done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=tr("imports.page.progress", done=done, total=total))

        try:
            with new_session() as s:
                state.data_import_result = import_file(
                    s, actor, kind, path, max_mb=cfg.import_max_mb, max_rows=cfg.import_max_rows, mapping=mapping,
                    source_name=source or None, dry_run=dry_run, create_missing=bool(state.get("data_import_create")),
                    progress=progress,
                    file_name=upload["name"])
        except ImportFileError as exc:
            file_error(exc)
            st.stop()
        st.cache_data.clear()
        st.rerun()


    b1, b2 = st.columns(2)
    if b1.button(tr("imports.page.check"), key="data_import_check", width="stretch"):
        run_import(dry_run=True)
    if b2.button(tr("imports.page.commit"), key="data_import_commit", type="primary", width="stretch"):
        run_import(dry_run=False)

    result = state.data_import_result
    if result is not None:
        done_key = "imports.page.dry_run_done" if result.dry_run else "imports.page.done"
        (st.warning if result.rejections else st.success)(tr(done_key, summary=result.summary()))
        if result.created and not result.dry_run:
            st.info(tr("imports.page.created", names=", ".join(n for v in result.created.values() for n in v)))
        if result.rejections:
            missing = result.missing()
            if missing:
                names = ", ".join(n for values in missing.values() for n in values)
                st.checkbox(tr("imports.page.create_missing", names=names), key="data_import_create")
            st.write(tr("imports.page.rejected", n=result.rejected))
            rejected = pd.DataFrame(rejection_rows(result, lang()))
            st.dataframe(rejected.head(200), hide_index=True, width="stretch", key="data_import_rejected_table")
            st.caption(tr("imports.page.download_rejected"))
            download_buttons(rejected, file_stem=f"rejected_{Path(result.file_name).stem}", entity="import_rejections",
                             actor=actor, key="data_import_rejected")
