"""airbar (000): user sessions, analytics funnel, system health and feature flags."""
