"""The administrator's side of step 6 in a real browser (Debian's Chromium, headless), against
the whole product on loopback: the registrar, the provisioning server and the API with the
admin UI and the check-sync notifier, started through their ``run(settings)`` functions, and
one phone emulated by ``autoprov.simulate``.

The admin logs in and watches the phone list while the phone boots out of its box: it shows
up without a reload. The admin filters "- unassigned -", searches for the ID on the phone's
screen, opens the phone and creates its user in place. The phone page then shows, again
without a reload, the check-sync answered and the phone registered as that user; the emulated
phone has really rebooted and registered as the user. A restart from the page reboots it once
more. The run saves screenshots of the dashboard, phone list (also at a phone's width) and
phone pages: to the directory ``AUTOPROV_SCREENSHOTS`` names (``docs/screenshots`` refreshes
the documentation's), else to the test's temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from autoprov.config import AUTOPROVISION_USER, Settings
from autoprov.simulate.simulator import Simulator, SimulatorConfig
from tests.e2e.conftest import Stack
from tests.e2e.harness import provision_url
from tests.helpers import require_tool
from tests.web.forms import ADMIN_PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS_ENV = "AUTOPROV_SCREENSHOTS"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 30_000
WAIT_S = WAIT_MS / 1000


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    chromium = require_tool("chromium")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def stack(settings: Settings) -> AsyncIterator[Stack]:
    running = Stack(settings)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    wanted = os.environ.get(SCREENSHOTS_ENV)
    directory = Path(wanted) if wanted else tmp_path / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


async def _screenshot(page: Page, directory: Path, name: str) -> None:
    await page.screenshot(path=directory / f"{name}.png", full_page=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_admin_finds_a_new_phone_by_its_id_and_gives_it_a_user(
    browser: Browser, stack: Stack, screenshots: Path
) -> None:
    settings = stack.settings
    page = await browser.new_page(
        viewport={"width": 1280, "height": 860}, base_url=settings.api_base_url
    )
    expect.set_options(timeout=WAIT_MS)

    await page.goto("/ui/phones")
    await expect(page).to_have_url(re.compile(r"/ui/login\?next=/ui/phones$"))
    await page.get_by_label("User name").fill("admin")
    await page.get_by_label("Password").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page).to_have_url(f"{settings.api_base_url}/ui/phones")
    await expect(page.locator("#phone-count")).to_have_text("0 phones.")

    config = SimulatorConfig(phones=1, provision_url=provision_url(settings), seed=6)
    async with Simulator(config) as sim:
        (phone,) = sim.phones
        mac = phone.spec.mac
        async with asyncio.timeout(WAIT_S):
            await sim.wait_for(lambda p: AUTOPROVISION_USER in p.registered_users)
        unique_id = phone.result.screen_label
        assert unique_id is not None

        # The worker adds the phone; the open page polls it in.
        row = page.locator(f'tr[data-key="{mac}"]')
        await expect(row).to_be_visible()
        await expect(row).to_have_class(re.compile(r"\bfresh\b"))
        await expect(row).to_contain_text(unique_id)
        await expect(row).to_contain_text("unassigned")
        await expect(row.locator("td").nth(6)).to_have_text("yes")  # registered (auto-prov)

        await page.get_by_label("Show").select_option(label="- unassigned -")
        await expect(page).to_have_url(re.compile(r"filter=unassigned"))
        await expect(row).to_be_visible()
        await page.get_by_label("Search").fill(unique_id.lower())
        await page.get_by_label("Search").press("Enter")
        await expect(page).to_have_url(re.compile(rf"q={unique_id.lower()}"))
        await expect(page.locator("#phones tbody tr")).to_have_count(1)
        await _screenshot(page, screenshots, "phones")
        await page.set_viewport_size({"width": 390, "height": 844})  # a phone's width
        await _screenshot(page, screenshots, "phones-narrow")
        await page.set_viewport_size({"width": 1280, "height": 860})

        await row.get_by_role("link", name=unique_id).click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text(unique_id)
        await page.get_by_label("User name (extension)").fill("1001")
        await page.get_by_label("Display name").fill("Front Desk")
        await page.get_by_role("button", name="Create and assign").click()
        await expect(page.locator(".notice")).to_contain_text("Created user 1001")
        await expect(page.locator("#phone-lines")).to_contain_text("1001")

        # Check-sync, reboot, <mac>.cfg, REGISTER as 1001: the page follows without a reload.
        async with asyncio.timeout(WAIT_S):
            await sim.wait_for(lambda p: p.registered_users == ("1001",))
        await expect(page.locator("#phone-sync")).to_contain_text("ok")
        await expect(page.locator("#phone-registered")).to_have_text("yes as 1001")
        await expect(page.locator("#profile")).to_contain_text('reg.1.auth.userId="1001"')
        await expect(page.locator("#profile")).to_contain_text('reg.1.auth.password="********"')
        boots = len(phone.result.boots)
        synced_at = await page.locator("#phone-sync time").get_attribute("datetime")

        await page.get_by_role("button", name="Restart phone").click()
        await expect(page.locator(".notice")).to_contain_text("asked to re-sync")
        async with asyncio.timeout(WAIT_S):
            await sim.wait_for(lambda p: len(p.boots) > boots and p.registered_users == ("1001",))
        await expect(page.locator("#phone-sync time")).not_to_have_attribute("datetime", synced_at)
        await expect(page.locator("#phone-sync")).to_contain_text("ok")
        await expect(page.locator("#phone-registered")).to_have_text("yes as 1001")
        await _screenshot(page, screenshots, "phone")

        await page.get_by_role("link", name="Dashboard").click()
        await expect(page.locator("#stat-total")).to_have_text("1")
        await expect(page.locator("#stat-unassigned")).to_have_text("0")
        await expect(page.locator("#stat-registered")).to_have_text("1")
        await _screenshot(page, screenshots, "dashboard")

        # Keyboard only: the first Tab reaches the skip link, which jumps to the content.
        await page.keyboard.press("Tab")
        await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
        await page.keyboard.press("Enter")
        await expect(page.locator("main")).to_be_focused()
