"""The background worker: fires reminders and delivers the outbox (in-process or `sirf worker`)."""
