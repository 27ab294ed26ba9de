"""The catalogue as a JSON file: export everything, import validated (a round trip changes nothing)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.services import record
from core.auth.model import Actor, require_role
from core.products.model import (
    CODE_RE,
    ITEM_CATEGORIES,
    KINDS,
    LIFE_STAGES,
    PRICE_MODES,
    PRODUCT_CATEGORIES,
    STATUSES,
    ProductError,
)
from core.products.offers import (
    BenefitSpec,
    PlanSpec,
    PromotionSpec,
    StoredValueSpec,
    check_promotion,
    list_plans,
    list_promotions,
    list_stored_value_plans,
)
from core.products.services import transaction
from db.models.products import (
    MembershipPlan,
    PlanBenefit,
    Product,
    ProductItem,
    Promotion,
    ServiceItem,
    StoredValuePlan,
)

FORMAT = "careloop.catalog"
FORMAT_VERSION = 1
_PRODUCT_FIELDS = ("name", "kind", "department", "category", "price_mode", "items_total_cents",
                   "list_price_cents", "life_stage", "segment_id", "description", "inclusions", "exclusions",
                   "script", "faq", "created_at", "created_by", "updated_at", "updated_by", "reviewed_at",
                   "reviewed_by", "review_comment")
_COLUMN = {"department": "department_code"}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_catalog(session: Session, actor: Actor) -> dict:
    """Every item, product version, membership plan, stored-value plan and promotion as plain JSON."""
    require_role(actor, "admin", "lead", "product_manager")
    with transaction(session):
        items = [{"code": r.code, "name": r.name, "department": r.department_code, "category": r.category,
                  "unit_price_cents": r.unit_price_cents, "active": r.active}
                 for r in session.scalars(select(ServiceItem).order_by(ServiceItem.code))]
        lines: dict[int, list] = {}
        for pi in session.scalars(select(ProductItem).order_by(ProductItem.id)):
            lines.setdefault(pi.product_id, []).append(
                {"item": pi.item_code, "quantity": pi.quantity, "unit_price_cents": pi.unit_price_cents})
        products = []
        for r in session.scalars(select(Product).order_by(Product.code, Product.version)):
            entry = {"code": r.code, "version": r.version, "status": r.status}
            for f in _PRODUCT_FIELDS:
                value = getattr(r, _COLUMN.get(f, f))
                entry[f] = _iso(value) if isinstance(value, datetime) else value
            entry["items"] = lines.get(r.id, [])
            products.append(entry)
        data = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "items": items, "products": products,
            "membership_plans": [_plan_json(p) for p in list_plans(session)],
            "stored_value_plans": [s.__dict__ for s in list_stored_value_plans(session)],
            "promotions": [_promotion_json(p) for p in list_promotions(session)],
        }
        record(session, actor, "catalog.export", "catalog", None,
               {"products": len(products), "items": len(items), "promotions": len(data["promotions"])})
    return data


def _plan_json(p: PlanSpec) -> dict:
    out = {k: getattr(p, k) for k in ("code", "name", "fee_cents", "validity_days", "department", "description",
                                      "active")}
    out["benefits"] = [{k: list(v) if isinstance(v, tuple) else v for k, v in b.__dict__.items()}
                       for b in p.benefits]
    return out


def _promotion_json(p: PromotionSpec) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else _iso(v) if isinstance(v, date) else v)
            for k, v in p.__dict__.items()}


# ---------------------------------------------------------------- import


def _need(cond: bool, reason: str) -> None:
    if not cond:
        raise ProductError("products.bad_file", reason=reason)


def _date(value: object, where: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ProductError("products.bad_file", reason=f"{where}: not a date") from None


def _datetime(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ProductError("products.bad_file", reason=f"{where}: not a date-time") from None


def _int(value: object, where: str, low: int = 0) -> int:
    _need(isinstance(value, int) and not isinstance(value, bool) and value >= low, f"{where}: whole number ≥ {low}")
    return value


def validate_catalog(data: object) -> None:
    """Raise ProductError('products.bad_file') naming the first entry that is not acceptable."""
    _need(isinstance(data, dict), "top level must be an object")
    _need(data.get("format") == FORMAT and data.get("format_version") == FORMAT_VERSION,
          f"format must be {FORMAT} version {FORMAT_VERSION}")
    for key in ("items", "products", "membership_plans", "stored_value_plans", "promotions"):
        _need(isinstance(data.get(key), list), f"{key} must be a list")
    item_codes = set()
    for i, it in enumerate(data["items"]):
        where = f"items[{i}]"
        _need(isinstance(it, dict) and CODE_RE.match(str(it.get("code", ""))), f"{where}.code")
        _need(it.get("category") in ITEM_CATEGORIES, f"{where}.category")
        _int(it.get("unit_price_cents"), f"{where}.unit_price_cents")
        _need(isinstance(it.get("name"), str) and isinstance(it.get("department"), str), f"{where}.name")
        item_codes.add(it["code"])
    seen = set()
    for i, p in enumerate(data["products"]):
        where = f"products[{i}]"
        _need(isinstance(p, dict) and CODE_RE.match(str(p.get("code", ""))), f"{where}.code")
        _int(p.get("version"), f"{where}.version", 1)
        _need((p["code"], p["version"]) not in seen, f"{where}: {p['code']} v{p['version']} twice")
        seen.add((p["code"], p["version"]))
        _need(p.get("status") in STATUSES, f"{where}.status")
        _need(p.get("kind") in KINDS and p.get("price_mode") in PRICE_MODES, f"{where}.kind")
        _need(p.get("category") in PRODUCT_CATEGORIES, f"{where}.category")
        _need(p.get("life_stage") is None or p.get("life_stage") in LIFE_STAGES, f"{where}.life_stage")
        _int(p.get("list_price_cents"), f"{where}.list_price_cents")
        _int(p.get("items_total_cents"), f"{where}.items_total_cents")
        _need(isinstance(p.get("items"), list) and p["items"], f"{where}.items")
        for k, line in enumerate(p["items"]):
            _need(isinstance(line, dict) and line.get("item") in item_codes, f"{where}.items[{k}].item")
            _int(line.get("quantity"), f"{where}.items[{k}].quantity", 1)
            _int(line.get("unit_price_cents"), f"{where}.items[{k}].unit_price_cents")
        _datetime(p.get("created_at"), f"{where}.created_at")
        _datetime(p.get("updated_at"), f"{where}.updated_at")
        _datetime(p.get("reviewed_at"), f"{where}.reviewed_at")
    for i, pl in enumerate(data["membership_plans"]):
        _need(isinstance(pl, dict) and isinstance(pl.get("benefits"), list), f"membership_plans[{i}]")
        _plan_spec(pl)
    for i, sv in enumerate(data["stored_value_plans"]):
        _need(isinstance(sv, dict), f"stored_value_plans[{i}]")
        _int(sv.get("pay_cents"), f"stored_value_plans[{i}].pay_cents")
        _int(sv.get("credit_cents"), f"stored_value_plans[{i}].credit_cents")
        try:
            StoredValueSpec(**sv)
        except TypeError as exc:
            raise ProductError("products.bad_file", reason=f"stored_value_plans[{i}]: {exc}") from None
    for i, pr in enumerate(data["promotions"]):
        _need(isinstance(pr, dict), f"promotions[{i}]")
        check_promotion(_promotion_spec(pr, f"promotions[{i}]"))


def _plan_spec(pl: dict) -> PlanSpec:
    try:
        benefits = tuple(BenefitSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in b.items()})
                         for b in pl["benefits"])
        return PlanSpec(**{**pl, "benefits": benefits})
    except TypeError as exc:
        raise ProductError("products.bad_file", reason=f"membership plan {pl.get('code')}: {exc}") from None


def _promotion_spec(pr: dict, where: str) -> PromotionSpec:
    try:
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in pr.items()}
        values["starts"] = _date(values.get("starts"), f"{where}.starts")
        values["ends"] = _date(values.get("ends"), f"{where}.ends")
        return PromotionSpec(**values)
    except TypeError as exc:
        raise ProductError("products.bad_file", reason=f"{where}: {exc}") from None


def import_catalog(session: Session, actor: Actor, data: object) -> dict[str, int]:
    """Validate and load a catalogue file: upsert items, plans and promotions by code, add product
    versions that are new (identical ones are skipped, different ones refused). Returns counts."""
    require_role(actor, "admin", "product_manager")
    validate_catalog(data)
    counts = {"items": 0, "products_added": 0, "products_unchanged": 0, "membership_plans": 0,
              "stored_value_plans": 0, "promotions": 0}
    with transaction(session):
        for it in data["items"]:
            row = session.scalar(select(ServiceItem).where(ServiceItem.code == it["code"]))
            values = dict(name=it["name"], department_code=it["department"], category=it["category"],
                          unit_price_cents=it["unit_price_cents"], active=bool(it.get("active", True)))
            if row is None:
                session.add(ServiceItem(code=it["code"], **values))
            else:
                for k, v in values.items():
                    setattr(row, k, v)
            counts["items"] += 1
        session.flush()
        for p in data["products"]:
            counts["products_added" if _import_product(session, p) else "products_unchanged"] += 1
        for pl in data["membership_plans"]:
            _import_plan(session, _plan_spec(pl))
            counts["membership_plans"] += 1
        for sv in data["stored_value_plans"]:
            spec = StoredValueSpec(**sv)
            row = session.scalar(select(StoredValuePlan).where(StoredValuePlan.code == spec.code))
            if row is None:
                session.add(StoredValuePlan(**spec.__dict__))
            else:
                for k, v in spec.__dict__.items():
                    setattr(row, k, v)
            counts["stored_value_plans"] += 1
        for i, pr in enumerate(data["promotions"]):
            spec = _promotion_spec(pr, f"promotions[{i}]")
            values = {k: list(v) if isinstance(v, tuple) else v for k, v in spec.__dict__.items()}
            row = session.scalar(select(Promotion).where(Promotion.code == spec.code))
            if row is None:
                session.add(Promotion(**values))
            else:
                for k, v in values.items():
                    setattr(row, k, v)
            counts["promotions"] += 1
        record(session, actor, "catalog.import", "catalog", None, counts)
    return counts


def _import_product(session: Session, p: dict) -> bool:
    values = {_COLUMN.get(f, f): p.get(f) for f in _PRODUCT_FIELDS}
    for f in ("created_at", "updated_at", "reviewed_at"):
        values[f] = _datetime(values[f], f)
    values["faq"] = values["faq"] or []
    for f in ("description", "inclusions", "exclusions", "script"):
        values[f] = values[f] or ""
    items = [(line["item"], line["quantity"], line["unit_price_cents"]) for line in p["items"]]
    row = session.scalar(select(Product).where(Product.code == p["code"], Product.version == p["version"]))
    if row is not None:
        existing = [(i.item_code, i.quantity, i.unit_price_cents) for i in session.scalars(
            select(ProductItem).where(ProductItem.product_id == row.id).order_by(ProductItem.id))]
        same = row.status == p["status"] and existing == items and all(
            getattr(row, k) == v for k, v in values.items() if k not in ("created_at", "updated_at", "reviewed_at"))
        if not same:
            raise ProductError("products.version_conflict", code=p["code"], version=p["version"])
        return False
    row = Product(code=p["code"], version=p["version"], status=p["status"], lock_version=1, **values)
    session.add(row)
    session.flush()
    session.add_all([ProductItem(product_id=row.id, item_code=c, quantity=q, unit_price_cents=u)
                     for c, q, u in items])
    if p["status"] == "published":
        for other in session.scalars(select(Product).where(Product.code == p["code"], Product.id != row.id,
                                                           Product.status == "published")):
            if other.version < row.version:
                other.status = "retired"
            else:
                row.status = "retired"
    return True


def _import_plan(session: Session, spec: PlanSpec) -> None:
    row = session.scalar(select(MembershipPlan).where(MembershipPlan.code == spec.code))
    values = dict(name=spec.name, fee_cents=spec.fee_cents, validity_days=spec.validity_days,
                  department_code=spec.department, description=spec.description, active=spec.active)
    if row is None:
        row = MembershipPlan(code=spec.code, **values)
        session.add(row)
        session.flush()
    else:
        for k, v in values.items():
            setattr(row, k, v)
    existing = {b.code: b for b in session.scalars(select(PlanBenefit).where(PlanBenefit.plan_id == row.id))}
    for b in spec.benefits:
        fields = {k: list(v) if isinstance(v, tuple) else v for k, v in b.__dict__.items() if k != "code"}
        if b.code in existing:
            for k, v in fields.items():
                setattr(existing[b.code], k, v)
        else:
            session.add(PlanBenefit(plan_id=row.id, code=b.code, **fields))
