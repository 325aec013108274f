"""Typed settings, read from the environment (``MODELPORT_*``) once, in ``main``/``create_app``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MODELPORT_", extra="ignore")

    host: str = Field("127.0.0.1", description="Address the gateway binds to.")
    port: int = Field(8000, ge=0, le=65535, description="Port the gateway binds to.")
    public_url: str | None = Field(
        None, description="Base URL clients use to reach this server (default: http://host:port)."
    )
    data_dir: Path = Field(Path("data"), description="Where the database, keys and models live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default: SQLite file in the data dir."
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Bootstrap admin token: the first owner's credential; long and random "
        "(at least 32 characters; default: generated into the data dir).",
    )
    token: SecretStr | None = Field(
        None,
        description="What the CLI sends as its bearer token: an API token or a single sign-on "
        "JWT (default: the bootstrap admin token from the data dir).",
    )
    key_encryption_key: SecretStr | None = Field(
        None, description="Fernet key encrypting deployment keys at rest (default: data dir file)."
    )
    key_hash_secret: SecretStr | None = Field(
        None, description="Secret of the keyed hash used to look keys up (default: data dir file)."
    )

    # Embedded default deployment.
    embedded_default: bool = Field(True, description="Deploy the embedded model at first start.")
    default_project: str = "default"
    default_region: str = "local"

    # Regions and the catalog (see docs/control-plane.md).
    regions: dict[str, str] = Field(
        default_factory=dict,
        description="Extra regions served by this process: name -> base URL ('' = served here "
        "under /regions/{name}). The default region's base URL is the public URL.",
    )
    base_domain: str | None = Field(
        None, description="Route Host '{name}.{region}.{base_domain}' to that deployment."
    )
    catalog_dirs: list[Path] = Field(
        default_factory=list, description="Extra directories of offer TOML files."
    )
    price_sheet: Path | None = Field(
        None, description="TOML price sheet overriding the offers' list prices."
    )
    test_offers: bool = Field(False, description="Show and allow offers marked test_only.")
    offer_regions: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Restrict offers to some regions: offer id -> the only regions it may be "
        "deployed in (default: every configured region).",
    )

    # Engines (defaults of every deployment; a deployment may set its own context, slots...).
    engine_slots: int = Field(4, ge=1, le=64, description="Parallel requests per local engine.")
    engine_threads: int = Field(2, ge=1, le=256, description="CPU threads per llama.cpp engine.")
    engine_context: int | None = Field(
        None,
        ge=256,
        description="Cap on the context (tokens per request) of every deployment; default: each "
        "model's own, as far as memory allows.",
    )
    engine_memory_fraction: float = Field(
        0.9, gt=0, le=1, description="Share of the available memory one engine may plan to use."
    )
    engine_start_timeout: float | None = Field(
        None, gt=0, description="Seconds an engine may take to load (default: the engine's own)."
    )
    engine_restart_backoff: float = Field(0.5, gt=0, description="First delay of a restart.")
    engine_restart_backoff_max: float = Field(30.0, gt=0, description="Longest restart delay.")
    engine_kill_grace: float = Field(
        10.0, gt=0, description="Seconds between SIGTERM and SIGKILL when an engine is stopped."
    )
    engine_request_timeout: float = Field(600.0, gt=0)
    engine_settings: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Operator settings per engine plug-in: {engine name: {setting: value}}.",
    )
    deployment_retry_initial: float = Field(
        5.0, gt=0, description="First delay before a failed deployment is started again."
    )
    deployment_retry_max: float = Field(
        300.0, gt=0, description="Longest delay between start attempts of a failed deployment."
    )

    # Scale-out (see docs/scale-out.md).
    role: Literal["all", "gateway", "controller"] = Field(
        "all",
        description="What this process runs: 'all' (modelport up: gateway, controller, local "
        "engines), 'gateway' (modelport serve) or 'controller' (modelport controller).",
    )
    runtime: Literal["local", "ray"] | None = Field(
        None,
        description="Where the controller places replicas: 'local' (processes on this host) or "
        "'ray' (a Ray cluster); default: ray when MODELPORT_RAY_ADDRESS is set, else local.",
    )
    ray_address: str | None = Field(
        None, description="Address of the Ray cluster ('auto': the one on this node)."
    )
    ray_namespace: str = Field("modelport", description="Ray namespace of the replica actors.")
    controller_lease_ttl: float = Field(
        5.0, ge=1, le=120, description="Seconds before a dead controller's lease is taken over."
    )
    change_poll_interval: float = Field(
        0.25, gt=0, le=5, description="Seconds between revision polls (SQLite; PostgreSQL listens)."
    )
    heartbeat_interval: float = Field(
        2.0, gt=0, le=60, description="Seconds between heartbeats of gateways and controllers."
    )
    cold_start_wait: float = Field(
        120.0,
        ge=0,
        description="Seconds a request waits for a replica to start (scale to zero, restarts) "
        "before a 503 with Retry-After.",
    )
    delete_wait: float = Field(
        60.0, ge=0, description="Seconds a delete waits for the controller to stop the replicas."
    )
    store_outage_grace: float = Field(
        300.0,
        ge=0,
        description="Seconds a gateway that lost its database keeps serving the deployments it "
        "knows (then 503 until it is back).",
    )
    usage_spool: bool | None = Field(
        None,
        description="Queue usage records on local disk while the database is unreachable and "
        "replay them once it is back (default: on for modelport serve, off otherwise).",
    )
    rate_limit_on_redis_failure: Literal["local", "open", "closed"] = Field(
        "local",
        description="When Redis is unreachable: 'local' (each gateway enforces its share, limit "
        "/ live gateways), 'open' (admit everything) or 'closed' (refuse with 503).",
    )

    # Model hub: where `modelport models pull` fetches weights from.
    hub_endpoint: str = Field(
        "https://huggingface.co", description="Hugging Face Hub (or a mirror of it) to pull from."
    )
    hub_token: SecretStr | None = Field(
        None, description="Hub token for gated repos (default: huggingface_hub's own login)."
    )
    # Rate limits and metering.
    rate_limit_backend: Literal["memory", "redis"] = Field(
        "memory", description="Where rate-limit windows live: in-process, or Redis (shared)."
    )
    redis_url: str | None = Field(None, description="Redis URL for the Redis rate limiter.")
    ledger_durability: Literal["normal", "full"] = Field(
        "normal",
        description="SQLite only: what a committed usage record survives. 'normal' (WAL, "
        "synchronous=NORMAL): a crash of the process; 'full' (synchronous=FULL): a power loss "
        "too, at a lower write rate (bench/README.md). PostgreSQL: the server's own setting.",
    )
    # Content safety (see docs/content-safety.md).
    safety_classifiers: list[str] = Field(
        default_factory=lambda: ["default"],
        description="Content-safety classifier plug-ins run as one ensemble (entry-point names).",
    )
    safety_model_dirs: dict[str, Path] = Field(
        default_factory=dict, description="Model directory per model-based classifier plug-in."
    )
    safety_plugin_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Keyword options per classifier plug-in (e.g. the guard's deployment).",
    )
    safety_timeout: float = Field(
        2.0, gt=0, description="Seconds one content-safety check may take (then: fail closed)."
    )

    # Fine-tuning (see docs/fine-tuning.md).
    finetune_concurrency: int = Field(
        1, ge=1, le=64, description="Fine-tuning jobs that train at the same time."
    )
    finetune_threads: int = Field(2, ge=1, le=256, description="CPU threads per training worker.")
    finetune_device: Literal["auto", "cpu", "cuda"] = Field(
        "auto", description="Where training runs: a GPU when present (auto), or the CPU."
    )
    finetune_qlora: bool = Field(
        True, description="On a GPU, load hub checkpoints in 4 bits (QLoRA; needs bitsandbytes)."
    )
    finetune_max_file_bytes: int = Field(
        32 * 1024 * 1024,
        ge=1,
        description="Largest training file accepted, in bytes (max_body_bytes bounds it too).",
    )
    finetune_max_example_tokens: int = Field(
        2048, ge=16, description="Longest training example, in tokens."
    )
    finetune_max_restarts: int = Field(
        3, ge=0, description="Times a dead training worker is restarted from its checkpoint."
    )
    finetune_cancel_grace: float = Field(
        30.0, gt=0, description="Seconds a cancelled training worker has to stop by itself."
    )
    hosting_meter_interval: float = Field(
        30.0, gt=0, description="Seconds between checks of fine-tuned deployments' hosted hours."
    )
    # Managed compute (see docs/managed-compute.md).
    instance_types_file: Path | None = Field(
        None, description="TOML file of the instance types offered per region (unset: cpu-2/4/8)."
    )
    project_core_quota: int = Field(
        8, ge=0, description="Cores a project may use on managed compute per region by default."
    )
    project_gpu_quota: int = Field(0, ge=0, description="GPUs a project may use by default.")
    region_core_quota: int = Field(
        64, ge=0, description="Cores all projects together may use per region by default."
    )
    region_gpu_quota: int = Field(0, ge=0, description="GPUs per region by default.")
    shared_quota_lifetime: float = Field(
        168 * 3600.0, gt=0, description="Seconds before an endpoint on shared quota is deleted."
    )
    compute_meter_interval: float = Field(
        30.0, gt=0, description="Seconds between bills of managed deployments' instance time."
    )
    compute_meter_slice: int = Field(
        60, ge=1, le=3600, description="Instance time is billed in slices of this many seconds."
    )
    # Access control (see docs/access-control.md).
    session_ttl: int = Field(8 * 3600, ge=60, description="Seconds a portal session lasts.")
    signin_attempts_per_minute: int = Field(
        10,
        ge=1,
        description="Portal sign-in attempts one account name may make per minute (any gateway, "
        "on the rate limiter's backend); more are refused with 429 until the oldest is a minute "
        "old.",
    )
    signin_attempts_per_address: int = Field(
        30, ge=1, description="Portal sign-in attempts one client address may make per minute."
    )
    oidc_issuer: str | None = Field(
        None, description="OpenID Connect issuer URL for single sign-on (unset: no SSO)."
    )
    oidc_client_id: str | None = Field(None, description="This server's client id at the issuer.")
    oidc_client_secret: SecretStr | None = Field(
        None, description="Client secret (leave unset for a public client: PKCE only)."
    )
    oidc_audience: str | None = Field(
        None, description="Audience of bearer JWTs for the API and data plane (default: client id)."
    )
    oidc_scopes: str = Field("openid email profile", description="Scopes the portal asks for.")
    oidc_display_name: str = Field(
        "single sign-on", description="How the portal's sign-in button names the provider."
    )
    # Hardening.
    max_body_bytes: int = Field(
        32 * 1024 * 1024, ge=1024, description="Largest request body on the data plane (413)."
    )
    max_management_body_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest request body on the management API (413)."
    )
    metrics: Literal["open", "token", "off"] = Field(
        "token", description="/metrics: open to all, for principals with metrics/read, or off."
    )
    api_docs: Literal["open", "token", "off"] = Field(
        "token",
        description="/management/openapi.json: open to all, for any signed-in principal, or off.",
    )

    log_level: str = "info"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'modelport.db').resolve()}"

    def resolved_runtime(self) -> Literal["local", "ray"]:
        if self.runtime is not None:
            return self.runtime
        return "ray" if self.ray_address else "local"

    def spool_enabled(self) -> bool:
        return self.usage_spool if self.usage_spool is not None else self.role == "gateway"

    def resolved_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"
