"""Strings of the segment builder, saved segments and the RFM grid."""

MESSAGES: dict[str, tuple[str, str]] = {
    # rule refusals (prefixed by the rule's path, e.g. all[2].any[0])
    "segments.err.not_rule": (
        "需要一个包含 all、any、not 或 field 的规则对象",
        "needs a rule object with 'all', 'any', 'not' or 'field'",
    ),
    "segments.err.too_deep": ("规则嵌套超过 {depth} 层", "the rule nests deeper than {depth} levels"),
    "segments.err.empty_group": ("'{kind}' 需要非空的规则列表", "'{kind}' needs a non-empty list of rules"),
    "segments.err.unexpected_key": ("不认识的键 '{name}'", "unexpected key '{name}'"),
    "segments.err.unknown_field": ("未知字段 '{field}'", "unknown field '{field}'"),
    "segments.err.unknown_op": ("未知运算符 '{op}'", "unknown operator '{op}'"),
    "segments.err.op_not_for_field": ("'{field}' 不支持运算符 '{op}'", "'{field}' does not take the operator '{op}'"),
    "segments.err.no_window": ("'{field}' 不支持 within_days", "'{field}' does not take within_days"),
    "segments.err.bad_within": ("within_days 需要 0–36500 的整数天数", "within_days needs a whole number of days from 0 to 36500"),
    "segments.err.bad_as_of": ("as_of 需要 YYYY-MM-DD 格式的日期", "as_of needs a date YYYY-MM-DD"),
    "segments.err.no_value": ("'{op}' 不需要取值", "'{op}' takes no value"),
    "segments.err.needs_pair": ("'{field}' 需要 [下限, 上限] 且下限 ≤ 上限", "'{field}' needs [low, high] with low ≤ high"),
    "segments.err.needs_list": ("'{field}' 的 '{op}' 需要 1–{max} 个取值的列表", "'{field}' with '{op}' needs a list of 1 to {max} values"),
    "segments.err.needs_number": ("'{field}' 需要一个整数", "'{field}' needs a number"),
    "segments.err.needs_amount": ("'{field}' 需要以元为单位、最多两位小数的金额", "'{field}' needs an amount in yuan with at most 2 decimals"),
    "segments.err.needs_date": ("'{field}' 需要 YYYY-MM-DD 格式的日期", "'{field}' needs a date YYYY-MM-DD"),
    "segments.err.needs_bool": ("'{field}' 需要 true 或 false", "'{field}' needs true or false"),
    "segments.err.needs_choice": ("'{field}' 需要以下之一：{choices}", "'{field}' needs one of {choices}"),
    "segments.err.needs_text": ("'{field}' 需要 1–{max} 个字符的文本", "'{field}' needs a text of 1 to {max} characters"),
    # services
    "segments.not_found": ("找不到人群 #{id}", "There is no segment #{id}"),
    "segments.bad_name": ("请填写 1–{max} 个字符的名称", "Give a name of 1 to {max} characters"),
    "segments.overlap_count": ("请选择 2 或 3 个人群比较重叠", "Pick 2 or 3 segments to compare"),
}
