"""Every page a coordinator or a staff member reaches is usable on a 390 px phone
(issue 11): a signed-in crawl measures the horizontal overflow of each page."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from browser_helpers import screenshot, sign_in

SKIP = ("/deconnexion", "/export", "/static/", ".ics", ".csv", ".json", ".svg", "/api/",
        "/affiche")  # the poster is an A4 sheet, measured by its own print test

# The widest element sticking out, to say what to fix.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  let worst = null, right = width;
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > right + 1) { right = box.right; worst = el; }
  }
  return {scroll: document.documentElement.scrollWidth, width,
          culprit: worst ? worst.tagName + '.' + worst.className + ' ' +
                   (worst.textContent || '').trim().slice(0, 60) : ''};
}"""


def _crawl(page, base: str, start: str, limit: int = 80,
           within: tuple[str, ...] = ("/",)) -> dict[str, dict]:
    seen: dict[str, dict] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = page.goto(base + url)
        if response is None or response.status != 200 or "text/html" not in (
                response.headers.get("content-type", "")):
            seen[url] = {"scroll": 0, "width": 0, "culprit": f"status {response and response.status}"}
            continue
        seen[url] = page.evaluate(OVERFLOW)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urlsplit(urljoin(base + url, href))
            if target.netloc != urlsplit(base).netloc or target.fragment and not target.path:
                continue
            path = target.path + (f"?{target.query}" if target.query else "")
            if "lang=en" in path or any(s in path for s in SKIP) or path in seen \
                    or not path.startswith(within):
                continue
            queue.append(path)
    return seen


def _overflowing(seen: dict[str, dict]) -> dict[str, str]:
    return {url: f"{m['scroll']} px > {m['width']} px: {m['culprit']}"
            for url, m in seen.items() if m["width"] and m["scroll"] > m["width"] + 1}


def test_coordinator_pages_fit_a_phone(phone, live_server):
    sign_in(phone, live_server, "coord@test")
    seen = _crawl(phone, live_server, "/coordination/plans")
    assert len(seen) >= 15, sorted(seen)
    print("CRAWLED", len(seen), sorted(seen))
    wide = _overflowing(seen)
    for url, why in sorted(wide.items()):
        print("OVERFLOW", url, why.replace("\n", " ")[:160])
    for url in wide:
        screenshot(phone, "overflow" + url.replace("/", "_").replace("?", "_"))
    assert wide == {}


def test_staff_and_family_pages_fit_a_phone(phone, live_server):
    public = _crawl(phone, live_server, "/", limit=25)
    sign_in(phone, live_server, "staff@test")
    staff = _crawl(phone, live_server, "/mes-tournees", limit=15, within=("/mes-tournees",))
    assert len(staff) >= 2, sorted(staff)
    assert _overflowing({**public, **staff}) == {}
