"""The municipality's MedCom gateway in the benchmark: takes each CareCommunication the worker
POSTs (the 'http' transport), notes when it arrived and acknowledges it as a real gateway does,
afterwards and on its own: a MedCom Acknowledgement Bundle POSTed to our API with a token bound
to the municipality's organisation."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from api.medcom.acknowledgement_bundle import acknowledgement_bundle
from schemas.medcom import MedcomAcknowledgement

PATH = "/medcom"
ACKNOWLEDGEMENTS = "/api/medcom/acknowledgements"


class CareReceiver:
    """Serves on 127.0.0.1:`port` (its `url` goes into the worker's settings before it
    starts); the worker's transport presents `token`. Each message it takes is answered `ok`
    through `api_url` with `gateway_token`."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}{PATH}"
        self.token = secrets.token_urlsafe(24)
        # MessageHeader.id -> monotonic time it first arrived; repeats are counted apart.
        self.arrivals: dict[str, float] = {}
        self.repeats = 0
        # MessageHeader.id -> monotonic time our API took its Acknowledgement.
        self.acknowledged: dict[str, float] = {}
        self.ack_failures: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._answering: set[asyncio.Task[None]] = set()

    async def start(self, api_url: str, gateway_token: str) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post(PATH, self._take)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        self._http = aiohttp.ClientSession(
            base_url=api_url,
            headers={"Authorization": f"Bearer {gateway_token}"},
            timeout=aiohttp.ClientTimeout(total=30.0),
        )

    async def stop(self) -> None:
        for task in list(self._answering):
            task.cancel()
        await asyncio.gather(*self._answering, return_exceptions=True)
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _take(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=401)
        received: dict[str, Any] = json.loads(await request.read())
        header_id = str(received["entry"][0]["resource"]["id"])
        if header_id in self.arrivals:
            self.repeats += 1
        else:
            self.arrivals[header_id] = time.monotonic()
        task = asyncio.create_task(self._answer(header_id, received))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)
        return web.Response(status=202)

    async def _answer(self, header_id: str, received: dict[str, Any]) -> None:
        assert self._http is not None
        ack = acknowledgement_bundle(
            MedcomAcknowledgement(outcome="ok"), received, datetime.now(UTC)
        )
        try:
            async with self._http.post(ACKNOWLEDGEMENTS, json=ack) as response:
                if response.status == 200:
                    self.acknowledged.setdefault(header_id, time.monotonic())
                else:
                    self.ack_failures[f"http {response.status}"] += 1
        except aiohttp.ClientError as err:
            self.ack_failures[type(err).__name__] += 1
