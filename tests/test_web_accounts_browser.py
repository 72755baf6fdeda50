"""Accounts in a real browser (Playwright driving Debian's chromium): log in, review, decide, log out.

Skipped only when /usr/bin/chromium is absent and this is not CI (as tests/test_web_browser.py).
"""

from __future__ import annotations

import pytest
from argon2 import Parameters, Type

from indicatorml import accounts
from indicatorml.accounts import AccountPolicy
from indicatorml.store import open_store

from helpers import SEED
from web_server import CHROMIUM, CHROMIUM_ARGS, live_server, require_browser

pytestmark = pytest.mark.slow  # a real browser against a live server
require_browser()

FAST = AccountPolicy(argon2=Parameters(Type.ID, 19, 16, 32, 1, 8, 1))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from indicatorml.web.settings import Settings

    data = tmp_path_factory.mktemp("browser-accounts")
    with open_store(None, data) as store:
        accounts.create_user(store, "zhang", "good-password", "审核", "预算处", "张三", policy=FAST)
    with live_server(data, Settings(data_dir=data, accounts=FAST)) as url:
        yield url, data


def test_log_in_decide_a_finding_and_log_out(server):
    from playwright.sync_api import sync_playwright

    url, data = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pg = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
            pg.goto(f"{url}/review")
            pg.wait_for_url("**/login?next=/review")
            pg.fill("input[name=name]", "zhang")
            pg.fill("input[name=password]", "wrong-password")
            pg.click("#login-form button[type=submit]")
            assert "用户名或密码不对" in pg.inner_text(".error-message")
            pg.fill("input[name=password]", "good-password")
            pg.click("#login-form button[type=submit]")
            pg.wait_for_url(f"{url}/review")
            assert "张三(审核 · 预算处)" in pg.inner_text("header.top")
            pg.set_input_files("#review-file", str(SEED))
            pg.click("#review-form button[type=submit]")
            pg.wait_for_selector("article.file")
            row = pg.locator("tr.row.marked").first
            row_id = row.get_attribute("id")
            row.locator("button[value=keep]").click()
            pg.wait_for_function(
                "id => document.querySelector('#' + id + ' .decided')?.textContent.includes('保持原类别')",
                arg=row_id,
            )
            pg.click("form.logout button")
            pg.wait_for_url("**/login")
            pg.goto(f"{url}/review")
            pg.wait_for_url("**/login?next=/review")  # the session ended with the logout
        finally:
            browser.close()
    with open_store(None, data) as store:
        decided = [e for e in store.audit_log() if e["action"] == "decided"]
    assert [(e["user_name"], e["department"], e["ip"]) for e in decided] == [("zhang", "预算处", "127.0.0.1")]
