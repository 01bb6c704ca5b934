"""The session log: SQLite store, history queries, recovery (the export writers are in
`hrcoach.formats`)."""
