"""coach (003): HybridCoach coaching platform: roles, auth codes, sessions, maintenance."""
