"""Typed, frozen settings read once from the environment (12-factor).

Every variable is documented in README.md. A bad value raises `ConfigurationError` whose
message names the variable and what is wrong, so start-up fails fast and clearly.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlsplit

from messaging.errors import ConfigurationError

SECRET_KEY_FILE = "secret_key"
# Where `interlude serve` notes the address it serves when INTERLUDE_PUBLIC_URL is not set,
# so links made by other commands on the same data directory point at it too.
SERVED_URL_FILE = "served_url"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
MIN_SECRET_KEY_LENGTH = 32
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DATABASE_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")
DEFAULT_METRICS_ALLOW = (ip_network("127.0.0.0/8"), ip_network("::1/128"))
MIN_METRICS_TOKEN_LENGTH = 16


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    smtp_url: str | None
    mail_from: str
    public_url: str
    secret_key: bytes
    log_format: str
    log_level: str
    in_process_worker: bool
    job_lease_seconds: int
    job_max_attempts: int
    node_modules_dir: Path
    session_lifetime_days: int
    session_idle_hours: int
    invitation_days: int
    allow_interactive_kdf: bool
    metrics_allow: tuple[IPv4Network | IPv6Network, ...] = DEFAULT_METRICS_ALLOW
    metrics_token: str | None = None
    # Peers whose X-Forwarded-For/-Proto are believed (the reverse proxy); none by default.
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # True when INTERLUDE_PUBLIC_URL was not given: then `serve` uses the address it serves.
    public_url_is_default: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def mail_outbox_dir(self) -> Path:
        return self.data_dir / "mail-outbox"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: the process environment).

    Creates the data directory, and on first run a random secret key kept in it with
    0600 permissions, unless `INTERLUDE_SECRET_KEY` is given.
    """
    env = os.environ if environ is None else environ
    data_dir = Path(_get(env, "INTERLUDE_DATA_DIR", "var")).resolve()
    _ensure_directory(data_dir, "INTERLUDE_DATA_DIR")

    database_url = _get(
        env, "INTERLUDE_DATABASE_URL", f"sqlite+aiosqlite:///{data_dir}/interlude.db"
    )
    _check_url(database_url, "INTERLUDE_DATABASE_URL", DATABASE_SCHEMES, needs_host=False)
    redis_url = _optional(env, "INTERLUDE_REDIS_URL")
    if redis_url is not None:
        _check_url(redis_url, "INTERLUDE_REDIS_URL", ("redis", "rediss"), needs_host=True)
    smtp_url = _optional(env, "INTERLUDE_SMTP_URL")
    if smtp_url is not None:
        _check_url(smtp_url, "INTERLUDE_SMTP_URL", SMTP_SCHEMES, needs_host=True)
    given_public_url = _optional(env, "INTERLUDE_PUBLIC_URL")
    public_url = (given_public_url or _served_url(data_dir) or DEFAULT_PUBLIC_URL).rstrip("/")
    _check_url(public_url, "INTERLUDE_PUBLIC_URL", ("http", "https"), needs_host=True)

    log_format = _choice(env, "INTERLUDE_LOG_FORMAT", "text", LOG_FORMATS)
    log_level = _choice(env, "INTERLUDE_LOG_LEVEL", "INFO", LOG_LEVELS, upper=True)
    default_in_process = "true" if database_url.startswith("sqlite") else "false"
    in_process_worker = _boolean(env, "INTERLUDE_IN_PROCESS_WORKER", default_in_process)
    node_modules_default = Path(__file__).resolve().parent.parent / "node_modules"

    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        smtp_url=smtp_url,
        mail_from=_get(env, "INTERLUDE_MAIL_FROM", "Interlude <no-reply@interlude.invalid>"),
        public_url=public_url,
        secret_key=_secret_key(env, data_dir, shared=not database_url.startswith("sqlite")),
        log_format=log_format,
        log_level=log_level,
        in_process_worker=in_process_worker,
        job_lease_seconds=_integer(env, "INTERLUDE_JOB_LEASE_SECONDS", 10, minimum=5),
        job_max_attempts=_integer(env, "INTERLUDE_JOB_MAX_ATTEMPTS", 8, minimum=1),
        node_modules_dir=Path(_get(env, "INTERLUDE_NODE_MODULES", str(node_modules_default))),
        session_lifetime_days=_integer(env, "INTERLUDE_SESSION_LIFETIME_DAYS", 30, minimum=1),
        session_idle_hours=_integer(env, "INTERLUDE_SESSION_IDLE_HOURS", 168, minimum=1),
        invitation_days=_integer(env, "INTERLUDE_INVITATION_DAYS", 7, minimum=1),
        allow_interactive_kdf=_boolean(env, "INTERLUDE_ALLOW_INTERACTIVE_KDF", "false"),
        metrics_allow=_metrics_allow(env),
        metrics_token=_metrics_token(env),
        trusted_proxies=_networks(env, "INTERLUDE_TRUSTED_PROXIES"),
        public_url_is_default=given_public_url is None,
    )


def served_url(host: str, port: int) -> str:
    """The URL people reach `interlude serve --host host --port port` at (an address that
    means "every interface" is reached through the loopback one)."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - this names the address, it binds nothing
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def remember_served_url(settings: Settings, url: str) -> None:
    """Note the served URL in the data directory for later commands (see SERVED_URL_FILE)."""
    (settings.data_dir / SERVED_URL_FILE).write_text(url + "\n")


def _served_url(data_dir: Path) -> str | None:
    try:
        return (data_dir / SERVED_URL_FILE).read_text().strip() or None
    except OSError:
        return None


def _get(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    return value or default


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _choice(
    env: Mapping[str, str],
    name: str,
    default: str,
    allowed: tuple[str, ...],
    *,
    upper: bool = False,
) -> str:
    value = _get(env, name, default)
    value = value.upper() if upper else value.lower()
    if value not in allowed:
        raise ConfigurationError(f"{name}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _boolean(env: Mapping[str, str], name: str, default: str) -> bool:
    value = _get(env, name, default).lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name}: {value!r} is not a boolean (use true or false)")


def _integer(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = _get(env, name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}: {raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigurationError(f"{name}: {value} is below the minimum of {minimum}")
    return value


def _networks(
    env: Mapping[str, str], name: str
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or CIDR networks (`172.28.0.10, 10.0.0.0/8`)."""
    found = []
    for item in _get(env, name, "").split(","):
        if not item.strip():
            continue
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ConfigurationError(
                f"{name}: {item.strip()!r} is not an IP address or network"
            ) from None
    return tuple(found)


def _check_url(url: str, name: str, schemes: tuple[str, ...], *, needs_host: bool) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError as exc:
        raise ConfigurationError(f"{name}: not a valid URL ({exc})") from None
    if parts.scheme not in schemes:
        raise ConfigurationError(
            f"{name}: scheme {parts.scheme!r} is not supported (use {' or '.join(schemes)})"
        )
    if needs_host and not parts.hostname:
        raise ConfigurationError(f"{name}: the URL has no host")


def _ensure_directory(path: Path, name: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"{name}: cannot create {path} ({exc.strerror})") from None


def _secret_key(env: Mapping[str, str], data_dir: Path, *, shared: bool) -> bytes:
    given = _optional(env, "INTERLUDE_SECRET_KEY")
    if given is None and shared:
        raise ConfigurationError(
            "INTERLUDE_SECRET_KEY: required with PostgreSQL, where several processes must "
            "share one key (a generated key is only for the embedded SQLite mode)"
        )
    if given is not None:
        if len(given) < MIN_SECRET_KEY_LENGTH:
            raise ConfigurationError(
                f"INTERLUDE_SECRET_KEY: must be at least {MIN_SECRET_KEY_LENGTH} characters"
            )
        return given.encode()
    key_file = data_dir / SECRET_KEY_FILE
    if not key_file.exists():
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    stored = key_file.read_text().strip()
    if len(stored) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(f"INTERLUDE_SECRET_KEY: the key in {key_file} is too short")
    return stored.encode()


def _metrics_allow(env: Mapping[str, str]) -> tuple[IPv4Network | IPv6Network, ...]:
    """INTERLUDE_METRICS_ALLOW: addresses or networks; "none" allows no address at all."""
    raw = _optional(env, "INTERLUDE_METRICS_ALLOW")
    if raw is None:
        return DEFAULT_METRICS_ALLOW
    if raw.strip().lower() == "none":
        return ()
    return _networks(env, "INTERLUDE_METRICS_ALLOW")


def _metrics_token(env: Mapping[str, str]) -> str | None:
    token = _optional(env, "INTERLUDE_METRICS_TOKEN")
    if token is not None and len(token) < MIN_METRICS_TOKEN_LENGTH:
        raise ConfigurationError(
            f"INTERLUDE_METRICS_TOKEN: must be at least {MIN_METRICS_TOKEN_LENGTH} characters"
        )
    return token
