"""Who someone is: a WeChat identity signing in (login.py), and a deputy binding that identity
with an invite code (binding.py, with the rules for who may issue invites)."""
