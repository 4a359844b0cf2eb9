"""The documents' scheduled jobs as commands: ``python -m domainlayer.jobs <job>``.

One command per documented job, for cron or any scheduler:

- ``coach-expired-sessions`` (003, daily): delete expired sessions that are no longer active;
- ``coach-expired-auth-codes`` (003, hourly): delete used auth codes past their expiry;
- ``coach-archive-sessions`` (003): move coaching sessions that ended more than six months
  ago to ``SessionArchive``;
- ``churn-retention`` (001): delete customer events after 90 days, predictions after 30,
  resolved alerts after 7 and system metrics after a year;
- ``madfam-email-worker`` (004): send the email queue, until stopped (SIGTERM drains it).

The logic is in the repositories (``MaintenanceRepository``, ``ChurnRepository.
apply_retention``, ``EmailQueueRepository``); this package is the shell around them: the
arguments, the database, one advisory lock per job (so two runs never overlap), the report
and the exit code. See :mod:`domainlayer.jobs.cli`.
"""

from __future__ import annotations

from .cli import EXIT_ALREADY_RUNNING, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, main

__all__ = [
    "EXIT_ALREADY_RUNNING",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "main",
]
