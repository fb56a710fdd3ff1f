"""履职: what a deputy did, read back from the record — shift check-ins (checkins.py), the
points computed from events by rules kept as data (points.py), and the 履职档案 built from
both (archive.py)."""
