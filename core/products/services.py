"""Product use cases: items, drafts, review lifecycle with optimistic locking, comparison."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.audit.services import diff, record
from core.auth.model import Actor, require_role
from core.clock import utcnow
from core.products.model import (
    CODE_RE,
    EDITORS,
    ITEM_CATEGORIES,
    Faq,
    ItemLine,
    ItemRow,
    ProductDetail,
    ProductDraft,
    ProductError,
    ProductSummary,
    StaleEdit,
    price_of,
    transition,
    validate,
)
from db.models import Department
from db.models.products import MembershipPlan, PlanBenefit, Product, ProductItem, Promotion, ServiceItem


def transaction(session: Session) -> AbstractContextManager:
    """A transaction of our own, or the caller's when one is already open."""
    return nullcontext() if session.in_transaction() else session.begin()


@dataclass(frozen=True)
class ProductRow:
    """One product version in the catalogue list."""

    id: int
    code: str
    version: int
    status: str
    name: str
    department: str
    category: str
    kind: str
    list_price_cents: int
    updated_by: str
    updated_at: datetime


# ---------------------------------------------------------------- items


def list_items(session: Session) -> list[ItemRow]:
    """Every active service item with its unit price."""
    with transaction(session):
        rows = session.scalars(select(ServiceItem).where(ServiceItem.active.is_(True))
                               .order_by(ServiceItem.department_code, ServiceItem.code))
        return [ItemRow(r.code, r.name, r.department_code, r.category, r.unit_price_cents) for r in rows]


def save_item(session: Session, actor: Actor, *, code: str, name: str, department: str, category: str,
              unit_price_cents: int) -> None:
    """Create or change a service item (product managers)."""
    require_role(actor, *EDITORS)
    if not CODE_RE.match(code or ""):
        raise ProductError("products.bad_code", code=code)
    if category not in ITEM_CATEGORIES:
        raise ProductError("products.unknown_category", category=category)
    if unit_price_cents < 0:
        raise ProductError("products.bad_price")
    with transaction(session):
        if department not in _departments(session):
            raise ProductError("products.unknown_department", department=department)
        row = session.scalar(select(ServiceItem).where(ServiceItem.code == code))
        new = dict(name=name, department_code=department, category=category, unit_price_cents=unit_price_cents)
        if row is None:
            session.add(ServiceItem(code=code, active=True, **new))
            record(session, actor, "item.create", "service_item", code, new)
        else:
            old = {k: getattr(row, k) for k in new}
            for k, v in new.items():
                setattr(row, k, v)
            record(session, actor, "item.update", "service_item", code, diff(old, new))


def _departments(session: Session) -> set[str]:
    return set(session.scalars(select(Department.code)))


def department_codes(session: Session) -> list[str]:
    """The department codes a product can belong to."""
    with transaction(session):
        return sorted(_departments(session))


# ---------------------------------------------------------------- reading products


def list_published(session: Session) -> list[ProductSummary]:
    """The products on sale now (their published version), by department and code."""
    with transaction(session):
        rows = session.scalars(select(Product).where(Product.status == "published")
                               .order_by(Product.department_code, Product.code))
        return [ProductSummary(r.code, r.name, r.department_code, r.category, r.list_price_cents, r.script,
                               r.version, r.kind, r.id) for r in rows]


def list_products(session: Session, actor: Actor) -> list[ProductRow]:
    """Every product version, newest version of each code first."""
    require_role(actor, "admin", "lead", "product_manager", "supervisor", "advisor")
    with transaction(session):
        rows = session.scalars(select(Product).order_by(Product.code, Product.version.desc()))
        return [ProductRow(r.id, r.code, r.version, r.status, r.name, r.department_code, r.category, r.kind,
                           r.list_price_cents, r.updated_by, r.updated_at) for r in rows]


def get_product(session: Session, product_id: int) -> ProductDetail:
    """One product version in full; ProductError when there is none."""
    with transaction(session):
        row = session.get(Product, product_id)
        if row is None:
            raise ProductError("products.not_found", id=product_id)
        return _detail(session, row)


def _detail(session: Session, row: Product) -> ProductDetail:
    lines = session.execute(
        select(ProductItem, ServiceItem).join(ServiceItem, ServiceItem.code == ProductItem.item_code)
        .where(ProductItem.product_id == row.id).order_by(ProductItem.id)).all()
    items = tuple(ItemRow(it.code, it.name, it.department_code, it.category, pi.unit_price_cents, pi.quantity)
                  for pi, it in lines)
    draft = ProductDraft(
        code=row.code, name=row.name, department=row.department_code, category=row.category, kind=row.kind,
        price_mode=row.price_mode, set_price_cents=row.list_price_cents if row.price_mode == "set" else None,
        items=tuple(ItemLine(i.code, i.quantity) for i in items), life_stage=row.life_stage,
        segment_id=row.segment_id, description=row.description, inclusions=row.inclusions,
        exclusions=row.exclusions, script=row.script,
        faq=tuple(Faq(f.get("q", ""), f.get("a", "")) for f in (row.faq or [])),
    )
    return ProductDetail(row.id, row.code, row.version, row.status, draft, items,
                         price_of(row.kind, row.price_mode, row.list_price_cents, list(items)),
                         row.lock_version, row.updated_by, row.updated_at, row.reviewed_by, row.reviewed_at,
                         row.review_comment, _benefits(session, row))


def _benefits(session: Session, row: Product) -> tuple[str, ...]:
    """Names of the promotions and membership benefits that can apply to this product."""
    def covers(products: list, categories: list, departments: list) -> bool:
        if not (products or categories or departments):
            return True
        return row.code in products or row.category in categories or row.department_code in departments

    names = [p.name for p in session.scalars(select(Promotion).where(Promotion.active.is_(True))
                                             .order_by(Promotion.code))
             if covers(p.products, p.categories, p.departments)]
    for plan, benefit in session.execute(select(MembershipPlan, PlanBenefit)
                                         .join(PlanBenefit, PlanBenefit.plan_id == MembershipPlan.id)
                                         .where(MembershipPlan.active.is_(True)).order_by(PlanBenefit.code)):
        if covers(benefit.products, benefit.categories, benefit.departments):
            names.append(f"{plan.name}：{benefit.name}")
    return tuple(names)


def compare(session: Session, codes: list[str]) -> list[ProductDetail]:
    """Two or three published products side by side (items, price, benefits, who they suit)."""
    if not 2 <= len(codes) <= 3:
        raise ProductError("products.compare_count")
    with transaction(session):
        out = []
        for code in codes:
            row = session.scalar(select(Product).where(Product.code == code, Product.status == "published"))
            if row is None:
                raise ProductError("products.not_published", code=code)
            out.append(_detail(session, row))
        return out


# ---------------------------------------------------------------- editing


def _fields(session: Session, draft: ProductDraft) -> tuple[dict, list[tuple[str, int, int]]]:
    known = {r.code: r for r in session.scalars(select(ServiceItem))}
    validate(draft, set(known), _departments(session))
    rows = [ItemRow(c.item_code, known[c.item_code].name, known[c.item_code].department_code,
                    known[c.item_code].category, known[c.item_code].unit_price_cents, c.quantity)
            for c in draft.items]
    pricing = price_of(draft.kind, draft.price_mode, draft.set_price_cents, rows)
    fields = dict(
        name=draft.name.strip(), kind=draft.kind, department_code=draft.department, category=draft.category,
        price_mode=draft.price_mode, items_total_cents=pricing.items_total_cents,
        list_price_cents=pricing.list_price_cents, life_stage=draft.life_stage, segment_id=draft.segment_id,
        description=draft.description, inclusions=draft.inclusions, exclusions=draft.exclusions,
        script=draft.script, faq=[{"q": f.question, "a": f.answer} for f in draft.faq],
    )
    return fields, [(r.code, r.quantity, r.unit_price_cents) for r in rows]


def _write_items(session: Session, product_id: int, items: list[tuple[str, int, int]]) -> None:
    session.execute(delete(ProductItem).where(ProductItem.product_id == product_id))
    session.add_all([ProductItem(product_id=product_id, item_code=c, quantity=q, unit_price_cents=p)
                     for c, q, p in items])


def create_product(session: Session, actor: Actor, draft: ProductDraft) -> int:
    """A new product as version 1 in draft (product managers)."""
    require_role(actor, *EDITORS)
    with transaction(session):
        if session.scalar(select(func.count()).select_from(Product).where(Product.code == draft.code)):
            raise ProductError("products.code_taken", code=draft.code)
        fields, items = _fields(session, draft)
        now = utcnow()
        row = Product(code=draft.code, version=1, status="draft", lock_version=1, created_at=now,
                      created_by=actor.username, updated_at=now, updated_by=actor.username, **fields)
        session.add(row)
        session.flush()
        _write_items(session, row.id, items)
        record(session, actor, "product.create", "product", f"{draft.code} v1",
               {**fields, "items": items})
        return row.id


def save_draft(session: Session, actor: Actor, product_id: int, draft: ProductDraft, lock_version: int) -> int:
    """Save a draft read at `lock_version`; StaleEdit when someone saved it since. Returns the new lock."""
    require_role(actor, *EDITORS)
    with transaction(session):
        row = session.get(Product, product_id)
        if row is None:
            raise ProductError("products.not_found", id=product_id)
        if row.status != "draft":
            raise ProductError("products.not_editable", status=row.status)
        if draft.code != row.code:
            raise ProductError("products.code_fixed")
        fields, items = _fields(session, draft)
        old = {k: getattr(row, k) for k in fields}
        _bump(session, row, lock_version, actor, expected_status="draft", **fields)
        _write_items(session, product_id, items)
        record(session, actor, "product.update", "product", f"{row.code} v{row.version}", diff(old, fields))
        return lock_version + 1


def _bump(session: Session, row: Product, lock_version: int, actor: Actor, *, expected_status: str,
          **values) -> None:
    """Write `values` only if nobody saved since `lock_version` (compare-and-set in one UPDATE)."""
    result = session.execute(
        update(Product).where(Product.id == row.id, Product.lock_version == lock_version,
                              Product.status == expected_status)
        .values(lock_version=lock_version + 1, updated_at=utcnow(), updated_by=actor.username, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(row)
        if row.status != expected_status:
            raise ProductError("products.not_editable", status=row.status)
        raise StaleEdit(row.updated_by, row.updated_at)
    session.refresh(row)


def new_version(session: Session, actor: Actor, code: str) -> int:
    """A new draft copied from the newest version of `code` (published versions stay unchanged)."""
    require_role(actor, *EDITORS)
    with transaction(session):
        latest = session.scalar(select(Product).where(Product.code == code).order_by(Product.version.desc()))
        if latest is None:
            raise ProductError("products.not_found", id=code)
        if latest.status in ("draft", "in_review"):
            raise ProductError("products.open_version", version=latest.version)
        now = utcnow()
        copy = {c.key: getattr(latest, c.key) for c in Product.__table__.columns
                if c.key not in ("id", "version", "status", "lock_version", "created_at", "created_by",
                                 "updated_at", "updated_by", "reviewed_at", "reviewed_by", "review_comment")}
        row = Product(**copy, version=latest.version + 1, status="draft", lock_version=1, created_at=now,
                      created_by=actor.username, updated_at=now, updated_by=actor.username)
        session.add(row)
        session.flush()
        items = session.execute(select(ProductItem.item_code, ProductItem.quantity, ProductItem.unit_price_cents)
                                .where(ProductItem.product_id == latest.id).order_by(ProductItem.id)).all()
        _write_items(session, row.id, [tuple(i) for i in items])
        record(session, actor, "product.new_version", "product", f"{code} v{row.version}",
               {"from_version": latest.version})
        return row.id


def change_status(session: Session, actor: Actor, product_id: int, action: str, *, lock_version: int,
                  comment: str | None = None) -> str:
    """Submit, approve, reject or retire a product version; returns the new status."""
    with transaction(session):
        row = session.get(Product, product_id)
        if row is None:
            raise ProductError("products.not_found", id=product_id)
        target = transition(row.status, action, actor.role, comment)
        old_status = row.status
        values = {"status": target}
        if action in ("approve", "reject", "retire"):
            values.update(reviewed_at=utcnow(), reviewed_by=actor.username, review_comment=comment.strip())
        if action == "approve":
            # the version it replaces leaves sale; orders and quotes keep pointing at it
            for prev in session.scalars(select(Product).where(Product.code == row.code,
                                                              Product.status == "published")):
                prev.status = "retired"
                record(session, actor, "product.retire", "product", f"{prev.code} v{prev.version}",
                       {"status": ["published", "retired"], "replaced_by": row.version})
            session.flush()
        _bump(session, row, lock_version, actor, expected_status=old_status, **values)
        record(session, actor, f"product.{action}", "product", f"{row.code} v{row.version}",
               {"status": [old_status, target], **({"comment": comment} if comment else {})})
        return target


def draft_of(detail: ProductDetail) -> dict:
    """A product's editable fields as plain values (for forms and files)."""
    return asdict(detail.draft)
