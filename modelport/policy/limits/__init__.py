"""Per-deployment rate limits: requests and tokens per minute, in-process or in Redis."""
