"""Billing: the usage ledger (batched, idempotent), meters, the price sheet and reports."""
