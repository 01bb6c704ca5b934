"""The session log: SQLite store, history queries, export writers."""
