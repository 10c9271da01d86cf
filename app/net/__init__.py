"""Calls the product makes to other people's servers (webhooks, group-chat robots)."""
