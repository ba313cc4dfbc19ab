"""Every French text wrapped in _() has an English translation, and the switch works."""

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[1] / "web"
MESSAGES = WEB / "translations" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def catalogue() -> dict[str, str]:
    """The English catalogue: French text -> English."""
    with (MESSAGES / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}
# _("...") or _('...') in templates and Python, possibly split over adjacent literals; in
# the domain (outreach/), msg("...") marks a message pages translate (outreach.messages).
CALL = re.compile(r"""\b_\(\s*((?:"(?:[^"\\]|\\.)*"\s*|'(?:[^'\\]|\\.)*'\s*)+)""")
MSG = re.compile(r"""\bmsg\(\s*((?:"(?:[^"\\]|\\.)*"\s*|'(?:[^'\\]|\\.)*'\s*)+)""")
OUTREACH = WEB.parent / "outreach"
LITERAL = re.compile(r""""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'""")


def wrapped_texts() -> set[str]:
    found = set()
    sources = [(path, CALL) for path in list(WEB.rglob("*.html")) + list(WEB.rglob("*.py"))]
    sources += [(path, MSG) for path in OUTREACH.rglob("*.py")]
    for path, call in sources:
        for match in call.finditer(path.read_text(encoding="utf-8")):
            parts = LITERAL.findall(match.group(1))
            text = "".join(a or b for a, b in parts)
            found.add(text.replace("\\'", "'").replace('\\"', '"'))
    return found


def form_texts() -> set[str]:
    """Labels, help texts and options of the data forms, translated when rendered."""
    from web.data import RESOURCES

    texts = set()
    for resource in RESOURCES.values():
        texts.add(resource.title)
        texts.update(label for label, _ in resource.columns)
        for field in resource.fields:
            texts.update([field.label, field.help] + [label for _, label in field.options])
    return texts - {""}


def test_every_wrapped_text_has_an_english_translation():
    translated = {french for french, english in catalogue().items() if english}
    missing = sorted((wrapped_texts() | form_texts()) - translated)
    assert missing == []


def test_translations_keep_their_placeholders():
    for french, english in catalogue().items():
        assert set(PLACEHOLDER.findall(french)) == set(PLACEHOLDER.findall(english)), french
        if PLACEHOLDER.search(french):  # formatted: a literal % is written %%
            assert "%" not in PLACEHOLDER.sub("", french).replace("%%", ""), french
            assert "%" not in PLACEHOLDER.sub("", english).replace("%%", ""), english


def test_no_text_keeps_the_old_brace_placeholders():
    old = sorted(t for t in wrapped_texts() if re.search(r"\{\w+\}", t))
    assert old == []


def test_the_compiled_catalogue_is_the_current_one():
    """messages.mo is compiled from messages.po (make translations)."""
    with (MESSAGES / "messages.mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == {k: v for k, v in catalogue().items() if v}


@pytest.fixture
def client(empty_db_url):
    from web import create_app

    return create_app({"DATABASE_URL": empty_db_url, "TESTING": True}).test_client()


def test_french_by_default_english_on_request(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page and "Prochain passage près de chez moi" in page
    english = client.get("/?lang=en")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Next visit near me" in english.get_data(as_text=True)
    assert "lang=en" in english.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)  # remembered


def test_browser_language_is_honoured(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page
