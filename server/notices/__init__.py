"""Notices: the outbox (outbox.py), what each says (layouts.py, pure), consent credits
(consent.py) and delivery to WeChat (delivery.py)."""
