"""Handling units (承办单位): the second half of an item's life. The accountable deputy or staff
hand an item to a unit (transfers.transfer); the unit signs for it, answers it or returns it to
staff triage, from the dashboard or from its own system through the integration API with a
bearer key (keys.py). Each step is a lifecycle move with its Event and its notices through the
outbox; progress.py says which stage is open and when it is due. The caller commits.
"""
