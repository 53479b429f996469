"""The browser console at GET /, driven in headless Chromium: subscribe, publish, see the results."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serve.conftest import Server, start_server, stop_server

ROOT = Path(__file__).parent.parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)) and not os.environ.get("CI"):
    pytest.skip("Debian's chromium and chromium-driver are not installed", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

API_KEY = "da2-console0000000000000000"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("console")
    shutil.copytree(ROOT / "handlers", directory / "handlers")
    shutil.copy(ROOT / "channels.yaml", directory / "channels.yaml")
    running = start_server(directory, "--api-key", API_KEY)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def wait_for(browser: Any, element: str, text: str) -> str:
    WebDriverWait(browser, 15).until(lambda b: text in b.find_element(By.ID, element).text)
    return str(browser.find_element(By.ID, element).text)


def fill(browser: Any, element: str, value: str) -> None:
    field = browser.find_element(By.ID, element)
    field.clear()
    field.send_keys(value)


def test_console_subscribes_publishes_and_shows_routes_and_refusals(
    server: Server, browser: Any
) -> None:
    base = server.http.rsplit("/event", 1)[0]
    browser.get(f"{base}/?apiKey={API_KEY}")
    wait_for(browser, "status", "connected")
    assert "handlers.analytics:enrich" in wait_for(browser, "routes", "/analytics/*")

    fill(browser, "subscribe-channel", "/analytics/*")
    browser.find_element(By.ID, "subscribe").click()
    wait_for(browser, "log", "subscribed to /analytics/*")

    fill(browser, "publish-channel", "/analytics/page-1")
    fill(browser, "publish-events", '{"text": "hi"}\n42')
    browser.find_element(By.ID, "publish").click()
    result = wait_for(browser, "publish-result", "event 1: accepted")
    assert result.splitlines()[0] == "route /analytics/* → handlers.analytics:enrich [async]"
    log = wait_for(browser, "log", '"value": 42')
    assert (
        '/analytics/* ← {"text": "hi", "channel": "/analytics/page-1", "country": "unknown"}' in log
    )

    fill(browser, "publish-channel", "/chat/room-1")
    fill(browser, "publish-events", '"not an object"')
    browser.find_element(By.ID, "publish").click()
    result = wait_for(browser, "publish-result", "failed")
    assert "event 0: failed: a chat message must be a JSON object" in result
    assert "route /chat/* → handlers.chat:stamp_batch [aggregate]" in result

    fill(browser, "subscribe-channel", "/chat/lobby")
    browser.find_element(By.ID, "subscribe").click()
    log = wait_for(browser, "log", "refused")
    assert (
        "subscription to /chat/lobby refused: UnauthorizedException: anonymous is not a member of the lobby"
        in log
    )

    fill(browser, "publish-channel", "/nowhere/x")
    fill(browser, "publish-events", "1")
    browser.find_element(By.ID, "publish").click()
    assert "403: UnauthorizedException" in wait_for(browser, "publish-result", "403")


def test_console_reports_a_wrong_api_key(server: Server, browser: Any) -> None:
    base = server.http.rsplit("/event", 1)[0]
    browser.get(f"{base}/?apiKey=wrong")
    assert "connection refused: UnauthorizedException" in wait_for(browser, "log", "refused")
