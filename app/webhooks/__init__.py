"""Webhooks: the outbox the project services write to, subscriptions of agency clients, and
the delivery pass that signs and sends each event at least once."""
