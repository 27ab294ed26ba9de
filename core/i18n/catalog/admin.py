"""Strings of the operator settings."""

MESSAGES: dict[str, tuple[str, str]] = {
    "settings.title": ("系统设置", "Settings"),
    "settings.intro": ("旅程调度的全局规则；修改写入审计日志，下一次调度运行起生效。",
                       "Global rules of journey scheduling; changes are audit-logged and apply from the next run."),
    "settings.journeys.cap_per_7_days": ("每位会员每7天最多系统触达次数", "System touches per member per 7 days, at most"),
    "settings.journeys.quiet_hours": ("免打扰时段（HH:MM-HH:MM）", "Quiet hours (HH:MM-HH:MM)"),
    "settings.save": ("保存设置", "Save settings"),
    "settings.saved": ("设置已保存。", "Settings saved."),
    "settings.error.whole": ("请输入 {lo} 到 {hi} 之间的整数。", "Enter a whole number from {lo} to {hi}."),
    "settings.error.hours": ("请按 21:00-08:00 的格式填写开始和结束时间。", "Write the start and end as 21:00-08:00."),
    "settings.error.unknown": ("未知设置：{key}。", "Unknown setting: {key}."),
    "users.tab_users": ("用户", "Users"),
    "profile.pause_marketing": ("暂停营销触达", "Pause marketing"),
    "profile.pause_reason": ("原因", "Reason"),
    "profile.pause_note": ("备注", "Note"),
    "profile.pause_submit": ("暂停该会员的所有营销步骤", "Pause every marketing step for this member"),
    "profile.paused": ("已记录：该会员的营销步骤已立即暂停，服务提醒照常。", "Recorded: marketing to this member is paused at once; service reminders go on."),
}
