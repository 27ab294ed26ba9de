"""Strings of the operator commands: doctor, backup, restore."""

MESSAGES: dict[str, tuple[str, str]] = {
    "ops.check.settings": ("配置", "settings"),
    "ops.check.database": ("数据库连接", "database"),
    "ops.check.migrations": ("数据库版本", "migrations"),
    "ops.check.cookie_key": ("Cookie 密钥", "cookie key"),
    "ops.detail.settings_ok": ("数据库地址 {url}", "database URL {url}"),
    "ops.detail.settings_bad": ("{message}", "{message}"),
    "ops.detail.database_ok": ("已连接（{dialect}）", "connected ({dialect})"),
    "ops.detail.database_bad": ("无法连接：{message}", "cannot connect: {message}"),
    "ops.detail.migrations_ok": ("已是最新（{revisions}）", "up to date ({revisions})"),
    "ops.detail.migrations_none": (
        "数据库尚未建表：请运行 careloop db upgrade（程序版本 {heads}）",
        "the database has no schema: run `careloop db upgrade` (code heads {heads})",
    ),
    "ops.detail.migrations_behind": (
        "数据库版本 {current} 与程序版本 {heads} 不一致：请运行 careloop db upgrade",
        "the database is at {current} but the code ships {heads}: run `careloop db upgrade`",
    ),
    "ops.detail.cookie_ok": ("已设置（{length} 个字符，至少 {minimum}）", "set ({length} characters, at least {minimum})"),
    "ops.detail.cookie_demo": (
        "使用演示密钥 data/demo_cookie_key（{length} 个字符）；正式环境请设置 CARELOOP_COOKIE_KEY",
        "the demo key data/demo_cookie_key ({length} characters); set CARELOOP_COOKIE_KEY in production",
    ),
    "ops.detail.cookie_bad": ("{message}", "{message}"),
    "ops.counts": ("主要数据表行数", "rows in the main tables"),
    "ops.healthy": ("一切正常。", "everything is fine."),
    "ops.unhealthy": ("发现问题，请按上面的提示处理。", "something is wrong; see the lines marked FAIL above."),
    "ops.backup_done": ("已备份到 {path}（{size}）", "backed up to {path} ({size})"),
    "ops.restore_done": (
        "已从 {path} 恢复（数据库版本 {revisions}）；如版本落后请运行 careloop db upgrade",
        "restored from {path} (schema {revisions}); run `careloop db upgrade` if the code is newer",
    ),
    "ops.restore_confirm": (
        "用 {path} 的内容替换 {target} 的全部数据？",
        "Replace every row of {target} with the content of {path}?",
    ),
    "ops.restore_aborted": ("未恢复。", "nothing restored."),
    "ops.error.postgres": (
        "备份与恢复命令只适用于 SQLite；PostgreSQL 请使用 pg_dump / pg_restore（见 docs/operations.md）。",
        "backup and restore work on SQLite only; for PostgreSQL use pg_dump and pg_restore as described in "
        "docs/operations.md.",
    ),
    "ops.error.memory": ("内存数据库无法备份。", "an in-memory database cannot be backed up."),
    "ops.error.no_database": ("数据库文件 {path} 不存在。", "the database file {path} does not exist."),
    "ops.error.exists": ("{path} 已存在；请换一个文件名，备份不会覆盖已有文件。",
                         "{path} already exists; pick a new file name (a backup never overwrites a file)."),
    "ops.error.no_backup": ("备份文件 {path} 不存在。", "the backup file {path} does not exist."),
    "ops.error.corrupt": ("备份文件 {path} 已损坏（完整性检查未通过）。",
                          "the backup file {path} is damaged (its integrity check failed)."),
    "ops.error.not_careloop": ("{path} 不是 CareLoop 的 SQLite 备份。", "{path} is not a CareLoop SQLite backup."),
    "ops.error.unknown_level": (
        "备份的数据库版本 {revisions} 不是本程序已知的版本；请用对应版本的程序恢复。",
        "the backup is at schema {revisions}, which this code does not know; restore it with the matching release.",
    ),
}
