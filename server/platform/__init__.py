"""Plumbing every layer stands on: the database, Redis, the job queue, the clock, encryption,
rate limits and the shapes of refusals. Nothing here knows about stations or deputies."""
