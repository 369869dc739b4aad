"""The outbox: reminders and notices queued in the sweep's transaction, claimed, rendered and sent in
batches, marked, retried with backoff. One home for the queue (queue.py), the claims (claims.py), the
messages rows become (messages.py) and sending (send.py)."""
