"""The worker: drains the durable job queue (emails, releases, reminders)."""
