"""Tables, engine/session and migrations. Never imports core."""
