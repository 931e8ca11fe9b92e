"""Every string a supporter or a target reads is marked for translation, and
the Spanish catalogue is complete and compiled.

The pseudo-locale check: a catalogue is made from the Spanish one's msgids,
each translated as ⟦msgid⟧, and every public page and e-mail is rendered in
it. Once the wrapped text, the campaign's own words and a few names (of the
site, of other sites, of file formats) are taken out, no English word may be
left: one would be a string nobody marked.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import translation
from django.utils.dates import MONTHS

from undersigned.participation.maps import us_states
from undersigned.signatures.models import Signature

from .conftest import form_data, make_campaign, run_worker

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
PSEUDO = "eo"  # a code Django knows; nobody reads the site in it
# Names, not words to translate.
ALLOWED = {
    "undersigned", "Mastodon", "Bluesky", "Facebook", "Linux", "macOS", "Windows",
    "PowerShell", "sha256sum", "shasum", "Get", "FileHash", "Algorithm", "SHA256", "SHA",
    "PDF", "CSV", "JSON", "UTC", "English", "Español", "file", "pdf", "http", "testserver",
    "var", "mail",
    # Django's own Esperanto date format: "4-a de decembro 2026, je 17:10".
    "de", "je",
}  # fmt: skip
# The campaign's own text in these tests: made-up words, so none looks English.
CONTENT = {
    "slug": "kampanjo",
    "title": "Kampanjo Zorgo",
    "summary": "Resumo zorga.",
    "body": "Teksto zorga.",
    "organisation": "Grupo Zorga",
    "letter_subject": "Letero zorga",
    "letter_body": "Kara,\n\nZorgu.",
}


def test_the_spanish_catalogue_is_complete():
    catalogue = polib.pofile(str(CATALOGUE / "django.po"))
    assert len(catalogue) > 300
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    for entry in catalogue:
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.values()), entry.msgid


def test_the_compiled_spanish_catalogue_matches_its_source():
    source = polib.pofile(str(CATALOGUE / "django.po"))
    compiled = polib.mofile(str(CATALOGUE / "django.mo"))
    expected = {(e.msgid, e.msgid_plural): (e.msgstr, e.msgstr_plural) for e in source}
    found = {(e.msgid, e.msgid_plural): (e.msgstr, e.msgstr_plural) for e in compiled if e.msgid}
    assert found == expected, "run `make messages` and commit the .mo"


def pseudo_catalogue(directory: Path) -> None:
    source = polib.pofile(str(CATALOGUE / "django.po"))
    pseudo = polib.POFile()
    pseudo.metadata = {**source.metadata, "Language": PSEUDO}
    for entry in source:
        wrapped = polib.POEntry(msgid=entry.msgid, msgid_plural=entry.msgid_plural)
        if entry.msgid_plural:
            wrapped.msgstr_plural = {0: f"⟦{entry.msgid}⟧", 1: f"⟦{entry.msgid_plural}⟧"}
        else:
            wrapped.msgstr = f"⟦{entry.msgid}⟧"
        pseudo.append(wrapped)
    target = directory / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    pseudo.save_as_mofile(str(target / "django.mo"))


@pytest.fixture
def pseudo_locale(tmp_path):
    pseudo_catalogue(tmp_path)
    with override_settings(
        LANGUAGES=[*settings.LANGUAGES, (PSEUDO, "Pseudo")],
        LOCALE_PATHS=[tmp_path, *settings.LOCALE_PATHS],
    ):
        yield


def unmarked_words(text: str) -> set[str]:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    # Instructions to browsers and robots, not words for people.
    text = re.sub(r'<meta name="(viewport|referrer|robots)"[^>]*>', " ", text)
    text = re.sub(
        r'<meta (?:property|name)="(?:og|twitter):'
        r'(?:type|locale|image|image:type|image:width|image:height|url|site_name|card)"[^>]*>',
        " ",
        text,
    )
    # What people read includes the words in these attributes.
    attributes = re.findall(r'(?:aria-label|alt|title|placeholder|content)="([^"]*)"', text)
    text = re.sub(r"<[^>]+>", " ", text) + " " + " ".join(attributes)
    text = html.unescape(text)
    while "⟦" in text:
        text = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
    # The campaign's words, and place names from the data (the map's states).
    names = [*CONTENT.values(), *(s["name"] for s in us_states()["states"].values())]
    with translation.override(PSEUDO):
        names += [str(month) for month in MONTHS.values()]
    for value in sorted(names, key=len, reverse=True):
        text = text.replace(value, " ")
    text = re.sub(r"https?://\S+|\S+@\S+|/\S*", " ", text)
    return {word for word in re.findall(r"[^\W\d_]{2,}", text) if word not in ALLOWED} - {
        "Zorga", "Jane", "Doe", "Partner", "Org", "Kara", "Zorgu", "Pseudo",
    }  # fmt: skip


def test_every_public_page_and_email_is_translated(client, db, pseudo_locale, outbox):
    campaign = make_campaign(**CONTENT)
    prefix = f"/{PSEUDO}"
    pages = {
        "home": client.get(f"{prefix}/"),
        "campaign": client.get(f"{prefix}/c/kampanjo/"),
        "errors": client.post(f"{prefix}/c/kampanjo/sign/", form_data(email="x")),
        "overview": client.get(f"{prefix}/c/kampanjo/areas/"),
        "find": client.get(f"{prefix}/c/kampanjo/areas/find/?postal_code=1"),
        "not found": client.get(f"{prefix}/c/no-such-campaign/"),
        "invalid link": client.get(f"{prefix}/my/not-a-token/"),
        # The thank-you page as anyone but the browser that just signed sees it.
        "thanks to others": client.get(f"{prefix}/c/kampanjo/thanks/"),
    }
    pages["check e-mail"] = client.post(f"{prefix}/c/kampanjo/sign/", form_data())
    run_worker()
    (message,) = outbox
    assert Signature.objects.get().language == PSEUDO
    confirm = re.search(rf"(/{PSEUDO}/confirm/\S+/)", message.body).group(1)
    manage = re.search(rf"(/{PSEUDO}/my/\S+/)", message.body).group(1)
    pages["confirm"] = client.get(confirm)
    pages["thanks"] = client.post(confirm, follow=True)
    pages["manage"] = client.get(manage)
    for name, response in pages.items():
        assert unmarked_words(response.content.decode()) == set(), name
    for text in (message.subject, message.body, message.alternatives[0][0]):
        assert unmarked_words(text) == set(), text
    del campaign, mail.outbox[:]


def test_the_pseudo_locale_check_finds_an_unmarked_string(db, pseudo_locale):
    with translation.override(PSEUDO):
        assert unmarked_words("<p>⟦Sign⟧ Unmarked words</p>") == {"Unmarked", "words"}
