"""Structured logging for every Azora process: one `key=value` line per record (logfmt).

Extra fields passed with ``log.info("msg", extra={"block": 12})`` are appended as
``block=12``. Secrets never go into records: settings objects are not logged.
"""

from __future__ import annotations

import logging
import os
import sys
import time

_CHATTY = ("pgserver", "alembic", "httpx", "web3", "urllib3")

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class LogfmtFormatter(logging.Formatter):
    """Formats records as `ts=... level=... logger=... msg="..." key=value ...`."""

    def format(self, record: logging.LogRecord) -> str:
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        parts = [
            f"ts={ts}",
            f"level={record.levelname.lower()}",
            f"logger={record.name}",
            f"msg={_quote(record.getMessage())}",
        ]
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                parts.append(f"{key}={_quote(str(value))}")
        if record.exc_info:
            parts.append(f"exc={_quote(self.formatException(record.exc_info))}")
        return " ".join(parts)


def _quote(value: str) -> str:
    if value and all(c.isalnum() or c in "-_.:/@+" for c in value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def configure_logging(level: str | None = None) -> None:
    """Send logfmt records to stderr at `level` (default: $AZORA_LOG_LEVEL or INFO)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel((level or os.environ.get("AZORA_LOG_LEVEL", "INFO")).upper())
    # Libraries that narrate every step at INFO: keep their warnings only.
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
