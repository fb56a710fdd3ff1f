"""./scripts/bench: measure the system in production shape against the floor of its own stack."""
