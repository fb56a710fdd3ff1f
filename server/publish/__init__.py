"""双公开: what is published on the public pages, redacted and approved first.

`redact.py` takes personal details out of a text; `service.py` keeps the `Publication` rows
(propose → approve | withdraw, edit the redacted text while proposed). Items and 代表建议 both
go through `service.propose`; the public pages read only approved snapshots.
"""
