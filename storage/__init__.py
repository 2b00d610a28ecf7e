"""Storage: one module per table family, each with async functions `x(db, ...)` and, where a
block of statements runs in one trip, their synchronous twins `x_sync(raw, ...)` on the raw
connection (storage/db.py explains the two connections and the convention)."""
