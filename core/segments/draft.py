"""The segment builder's editable draft: a tree of groups and conditions with stable node ids.

A draft is plain JSON-able data kept in the page's session state:
group `{"id", "kind": "all"|"any", "negate", "children"}`, condition `{"id", "field", "op", "value",
"within_days"}`. `to_rule` turns it into the stored rule format; `from_rule` loads a saved rule.
"""

from __future__ import annotations

from datetime import date

from core.segments.model import FIELDS

DEFAULT_FIELD = "gender"


def new_draft() -> dict:
    """An empty 'all' group (id 0)."""
    return {"id": 0, "kind": "all", "negate": False, "children": []}


def next_id(draft: dict) -> int:
    """An id no node of the draft uses or has used (widget keys of removed nodes are never reused)."""
    node_id = max(max(_ids(draft)), draft.get("last_id", 0)) + 1
    draft["last_id"] = node_id
    return node_id


def _ids(node: dict) -> list[int]:
    return [node["id"]] + [i for child in node.get("children", []) for i in _ids(child)]


def find(draft: dict, node_id: int) -> dict | None:
    """The node with this id."""
    if draft["id"] == node_id:
        return draft
    for child in draft.get("children", []):
        found = find(child, node_id)
        if found is not None:
            return found
    return None


def default_value(field: str, op: str, today: date) -> object:
    """A sensible starting value for a field and operator."""
    spec = FIELDS[field]
    if op in ("is_empty", "not_empty"):
        return None
    one: object = {"int": 0, "money": 0, "date": today.isoformat(), "bool": True,
                   "choice": spec.choices[0] if spec.choices else "", "text": ""}[spec.kind]
    if op == "between":
        return [one, 10 if spec.kind == "int" else 1000 if spec.kind == "money" else one]
    if op in ("in", "not_in"):
        return [] if spec.kind in ("text", "choice") else ""
    return one


def new_condition(node_id: int, today: date, field: str = DEFAULT_FIELD) -> dict:
    op = FIELDS[field].ops[0]
    return {"id": node_id, "field": field, "op": op, "value": default_value(field, op, today), "within_days": None}


def add_condition(draft: dict, group_id: int, today: date) -> int:
    """Append a condition to a group; returns its id."""
    node_id = next_id(draft)
    find(draft, group_id)["children"].append(new_condition(node_id, today))
    return node_id


def add_group(draft: dict, group_id: int, kind: str, today: date) -> int:
    """Append a nested group holding one condition; returns the group's id."""
    node_id = next_id(draft)
    draft["last_id"] = node_id + 1
    group = {"id": node_id, "kind": kind, "negate": False, "children": [new_condition(node_id + 1, today)]}
    find(draft, group_id)["children"].append(group)
    return node_id


def remove(draft: dict, node_id: int) -> None:
    """Remove a node (and what it holds) from the draft."""
    for child in list(draft.get("children", [])):
        if child["id"] == node_id:
            draft["children"].remove(child)
            return
        if "children" in child:
            remove(child, node_id)


def set_field(node: dict, field: str, today: date) -> None:
    """Change a condition's field; operator and value start over when the field changes."""
    if node["field"] != field:
        node["field"] = field
        node["op"] = FIELDS[field].ops[0]
        node["value"] = default_value(field, node["op"], today)
        if not FIELDS[field].windowed:
            node["within_days"] = None


def set_op(node: dict, op: str, today: date) -> None:
    """Change a condition's operator; the value starts over when its shape changes."""
    if node["op"] != op:
        shape = _shape(node["op"])
        node["op"] = op
        if _shape(op) != shape:
            node["value"] = default_value(node["field"], op, today)


def _shape(op: str) -> str:
    return {"between": "pair", "in": "list", "not_in": "list", "is_empty": "none", "not_empty": "none"}.get(op, "one")


def parse_list(text: object) -> object:
    """A comma-separated list of whole numbers typed in a text box (left as typed when not numbers)."""
    if not isinstance(text, str):
        return text
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    try:
        return [int(p) for p in parts]
    except ValueError:
        return parts


def to_rule(draft: dict) -> dict | None:
    """The rule of a draft (None when it has no condition yet)."""
    if "field" in draft:
        rule: dict = {"field": draft["field"], "op": draft["op"]}
        if draft["op"] not in ("is_empty", "not_empty"):
            value = draft["value"]
            if draft["op"] in ("in", "not_in") and FIELDS[draft["field"]].kind not in ("text", "choice"):
                value = parse_list(value)
            rule["value"] = value
        if draft.get("within_days") is not None:
            rule["within_days"] = draft["within_days"]
        return rule
    children = [r for r in (to_rule(c) for c in draft["children"]) if r is not None]
    if not children:
        return None
    group = {draft["kind"]: children}
    return {"not": group} if draft.get("negate") else group


def from_rule(rule: dict) -> dict:
    """A draft holding a stored rule (the root is always a group)."""
    counter = iter(range(10**6))
    root = _node(rule, counter)
    if "field" in root:
        root = {"id": root["id"], "kind": "all", "negate": False, "children": [root]}
        root["children"][0]["id"] = next(counter)
    return root


def _node(rule: dict, counter) -> dict:  # noqa: ANN001
    node_id = next(counter)
    if "not" in rule:
        inner = _node(rule["not"], counter)
        if "children" in inner:
            inner["negate"] = not inner["negate"]
            return inner
        return {"id": node_id, "kind": "all", "negate": True, "children": [inner]}
    for kind in ("all", "any"):
        if kind in rule:
            return {"id": node_id, "kind": kind, "negate": False,
                    "children": [_node(child, counter) for child in rule[kind]]}
    value = rule.get("value")
    if rule.get("op") in ("in", "not_in") and FIELDS.get(rule.get("field")) is not None \
            and FIELDS[rule["field"]].kind not in ("text", "choice"):
        value = ", ".join(str(v) for v in value)
    return {"id": node_id, "field": rule["field"], "op": rule["op"], "value": value,
            "within_days": rule.get("within_days")}
