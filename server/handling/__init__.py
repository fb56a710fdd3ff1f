"""What happens to an item once someone is accountable for it: answers, follow-ups, ratings,
closing and refusing. One set of steps for every hand (a deputy in the mini-program, staff on
the dashboard, the citizen); the web layers only translate their errors. Each step moves the
status through server/models/lifecycle.py and writes its notices through the outbox; the
caller commits.
"""
