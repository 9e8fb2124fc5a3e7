"""Outgoing webhooks: signed JSON deliveries of ticket and SLA events to the
URLs that admins subscribe, retried with backoff and recorded per attempt."""
