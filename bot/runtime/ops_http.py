"""The operator's port: `/healthz` and `/metrics` of one process, on the Runtime's event loop.

Off unless HOTLINE_HTTP_PORT is set; it listens on HOTLINE_HTTP_HOST (127.0.0.1 unless configured,
0.0.0.0 in the Docker image so the orchestrator can reach it). `/healthz` is 200 when the store answers
a trivial read within a timeout and every started platform is connected, else 503 naming what is
wrong; the container's HEALTHCHECK (docker/healthcheck.py) asks it. `/metrics` is Prometheus's text
format from the process's own registry (bot/runtime/metrics.py).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from bot.runtime.metrics import CONTENT_TYPE, Metrics
from bot.runtime.platform import Platform, StartupError
from storage.contract import StoreContract

log = logging.getLogger("hotline.http")

STORE_TIMEOUT = 2.0  # seconds the store has to answer the health check's read
# A workspace id no platform produces: the read touches the store's tables and finds nothing.
PROBE_WORKSPACE = "healthz:probe"


@dataclass
class Health:
    ok: bool
    store: str
    platforms: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def body(self) -> dict[str, object]:
        return {
            "status": "ok" if self.ok else "unhealthy",
            "store": self.store,
            "platforms": self.platforms,
            **({"problems": self.problems} if self.problems else {}),
        }


async def check_health(
    store: StoreContract, platforms: Sequence[Platform], *, store_timeout: float = STORE_TIMEOUT
) -> Health:
    problems: list[str] = []
    try:
        # Through the store's shared read path (the one commands wait on), on an indexed, empty range.
        await asyncio.wait_for(store.audit_entries(PROBE_WORKSPACE, limit=1), store_timeout)
        store_state = "ok"
    except TimeoutError:
        store_state = f"no answer within {store_timeout:g} s"
        problems.append(f"store: {store_state}")
    except Exception as exc:  # whatever the backend raises when it is closed, locked or gone
        store_state = f"{type(exc).__name__}: {exc}"
        problems.append(f"store: {store_state}")
    states: dict[str, str] = {}
    for platform in platforms:
        states[platform.name] = "connected" if platform.connected else "disconnected"
        if not platform.connected:
            problems.append(f"{platform.name}: not connected")
    return Health(not problems, store_state, states, problems)


class OpsServer:
    """One small aiohttp server; `start` raises StartupError if the port cannot be had."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        store: StoreContract,
        platforms: Callable[[], Sequence[Platform]],
        metrics: Metrics,
        store_timeout: float = STORE_TIMEOUT,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.store = store
        self.platforms = platforms
        self.metrics = metrics
        self.store_timeout = store_timeout
        self.port: int | None = None  # the bound port, once started (port 0 asks for any free one)
        self._runner: web.AppRunner | None = None

    async def _healthz(self, request: web.Request) -> web.Response:
        health = await check_health(self.store, self.platforms(), store_timeout=self.store_timeout)
        if not health.ok:
            log.warning("health check failed: %s", "; ".join(health.problems))
        return web.json_response(health.body(), status=200 if health.ok else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            # The socket is bound here so its port is known (and a busy port is one clear line).
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.host, self.requested_port))
            except OSError:
                sock.close()
                raise
            self.port = sock.getsockname()[1]
            await web.SockSite(runner, sock).start()
        except OSError as exc:
            await runner.cleanup()
            where = f"{self.host}:{self.requested_port}"
            raise StartupError(
                f"http: cannot listen on {where} for /healthz and /metrics ({exc.strerror or exc}): "
                "choose another HOTLINE_HTTP_PORT, or check HOTLINE_HTTP_HOST"
            ) from None
        self._runner = runner
        log.info("serving /healthz and /metrics on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
