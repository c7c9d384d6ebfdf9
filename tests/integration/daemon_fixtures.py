"""Pytest fixtures over the private services of ``tests/support/services.py`` (module-scoped: each
test module starts its own bus, sound server and daemon)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import (
    Bus,
    DaemonProcess,
    MissingToolError,
    Recorder,
    Services,
    private_services,
    readaloud,
    recording,
    start_daemon,
    stop_daemon,
)

__all__ = [
    "Bus", "DaemonProcess", "Recorder", "Services", "bus", "daemon", "readaloud", "recorder", "services",
    "start_daemon", "stop_daemon",
]


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    try:
        with private_services() as started:
            yield started
    except MissingToolError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def recorder(services: Services) -> Iterator[Recorder]:
    with recording(services) as rec:
        yield rec


@pytest.fixture(scope="module")
def daemon(services: Services, recorder: Recorder) -> Iterator[DaemonProcess]:
    """``readaloud -v daemon`` with the real model, on the private bus and null sink."""
    process = start_daemon(services)
    yield process
    stop_daemon(process)


@pytest.fixture
def bus(services: Services) -> Iterator[Bus]:
    client = Bus(services.env["DBUS_SESSION_BUS_ADDRESS"])
    yield client
    client.close()

