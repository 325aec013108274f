"""Tables of fine-tuning: uploaded files, jobs, their events and checkpoints (migration 0030);
the trained models' files and cross-gateway cancel requests (migration 0050); the files of each
running job's latest checkpoint (migration 0060)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from modelport.store.tables import metadata

# Uploaded files, content included, so that every gateway (and a restarted one) can read them.
ft_files = Table(
    "ft_files",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("examples", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

Index("ix_ft_files_project_id", ft_files.c.project_id)

ft_jobs = Table(
    "ft_jobs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("project_id", String(36), ForeignKey("projects.id"), nullable=False),
    Column("base_offer_id", String(64), nullable=False),
    Column("subscription_id", String(36), nullable=True),
    Column("training_file", String(64), nullable=False),
    Column("validation_file", String(64), nullable=True),
    Column("hyperparameters", Text, nullable=False),  # JSON
    Column("seed", BigInteger, nullable=False),
    Column("suffix", String(64), nullable=False),
    Column("fine_tuned_model", String(255), nullable=False, unique=True),
    Column("status", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("trained_tokens", BigInteger, nullable=False, server_default="0"),
    Column("total_tokens", BigInteger, nullable=True),
    Column("step", Integer, nullable=False, server_default="0"),
    Column("total_steps", Integer, nullable=True),
    Column("billed_tokens", BigInteger, nullable=True),
    Column("error", Text, nullable=True),  # JSON {code, message, param}
    Column("metadata", Text, nullable=True),  # JSON
    Column("owner", String(64), nullable=True),  # the cluster member (gateway) running it
    Column("cancel_requested_at", DateTime(timezone=True), nullable=True),
)

Index("ix_ft_jobs_project_id", ft_jobs.c.project_id)

ft_events = Table(
    "ft_events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("job_id", String(64), ForeignKey("ft_jobs.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("level", String(16), nullable=False),
    Column("type", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("data", Text, nullable=True),  # JSON
    UniqueConstraint("job_id", "seq", name="uq_ft_events_job_seq"),
)

ft_checkpoints = Table(
    "ft_checkpoints",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("job_id", String(64), ForeignKey("ft_jobs.id"), nullable=False),
    Column("step", Integer, nullable=False),
    Column("train_loss", Float, nullable=True),
    Column("metrics", Text, nullable=True),  # JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("job_id", "step", name="uq_ft_checkpoints_job_step"),
)

# A succeeded job's model files (the GGUF adapter, the PEFT adapter), content-addressed, so that
# every gateway can start an engine with them whichever one trained the job.
ft_artifacts = Table(
    "ft_artifacts",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("bytes", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

ft_model_files = Table(
    "ft_model_files",
    metadata,
    Column("job_id", String(64), ForeignKey("ft_jobs.id"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("sha256", String(64), ForeignKey("ft_artifacts.sha256"), nullable=False),
    Column("bytes", BigInteger, nullable=False),
)

# The files of a job's latest checkpoint (its adapter, optimizer and RNG state), content in
# ``ft_artifacts``: a gateway that takes the job over resumes from it on any machine. One
# checkpoint per job; the rows go when the job ends.
ft_checkpoint_files = Table(
    "ft_checkpoint_files",
    metadata,
    Column("job_id", String(64), ForeignKey("ft_jobs.id"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("step", Integer, nullable=False),
    Column("sha256", String(64), ForeignKey("ft_artifacts.sha256"), nullable=False),
    Column("bytes", BigInteger, nullable=False),
)
