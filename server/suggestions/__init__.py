"""代表建议: drafted from citizens' items, reviewed, numbered, handed to units, answered,
evaluated back to back, checked again (回头看). Moves in moves.py, steps in service.py, the
answer's PDF in documents.py, the per-unit table in stats.py."""
