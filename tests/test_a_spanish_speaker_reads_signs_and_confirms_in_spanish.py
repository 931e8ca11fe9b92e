"""A Spanish-speaking supporter reads, signs, confirms and manages a campaign
in Spanish; the English addresses stay exactly as they were."""

from __future__ import annotations

import re

import pytest

from undersigned.campaigns.actions import save_campaign
from undersigned.signatures.models import Signature

from .conftest import form_data, run_worker, translate_to_spanish

CONFIRM = re.compile(r"https?://[^/\s]+(/es/confirm/[0-9a-f-]+/[^/\s]+/)")
MANAGE = re.compile(r"https?://[^/\s]+(/es/my/[^/\s]+/)")


@pytest.fixture
def translated(campaign):
    translate_to_spanish(campaign)
    return campaign


def test_english_addresses_are_unchanged_and_spanish_lives_under_es(client, translated):
    english = client.get("/c/stop-face-surveillance/")
    assert english.status_code == 200
    assert '<html lang="en"' in english.content.decode()
    assert "Stop face surveillance" in english.content.decode()
    spanish = client.get("/es/c/stop-face-surveillance/").content.decode()
    assert '<html lang="es"' in spanish
    assert "Alto a la vigilancia facial" in spanish
    assert "Prohíba la vigilancia facial." in spanish
    assert "Firma la petición" in spanish
    # The switcher is a plain link to the same page in the other language.
    assert 'href="/c/stop-face-surveillance/" hreflang="en"' in spanish


def test_accept_language_alone_does_not_change_the_language_of_an_english_address(
    client, translated
):
    page = client.get("/c/stop-face-surveillance/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="en"' in page


def test_a_spanish_signer_signs_the_spanish_letter_and_is_written_to_in_spanish(
    client, translated, outbox
):
    response = client.post("/es/c/stop-face-surveillance/sign/", form_data(email="ana@example.org"))
    assert response.status_code == 200
    assert "Revisa tu correo" in response.content.decode()
    signature = Signature.objects.get()
    assert signature.language == "es"
    assert signature.letter_version.language == "es"
    assert signature.letter_version.subject == "Prohíban la vigilancia facial"

    run_worker()
    (message,) = outbox
    assert message.subject == "Confirma tu firma: Alto a la vigilancia facial"
    assert "Gracias por firmar «Alto a la vigilancia facial»." in message.body
    html = message.alternatives[0][0]
    assert '<html lang="es">' in html

    confirm_path = CONFIRM.search(message.body).group(1)
    page = client.get(confirm_path).content.decode()
    assert "Confirma tu firma" in page
    thanks = client.post(confirm_path, follow=True).content.decode()
    assert "Gracias por firmar." in thanks

    manage = client.get(MANAGE.search(message.body).group(1)).content.decode()
    assert "Lo que guardamos sobre ti" in manage
    assert "«Prohíban la vigilancia facial», versión 1 (Español)" in manage


def test_an_english_signer_of_the_same_campaign_signs_the_english_letter(client, translated):
    client.post("/c/stop-face-surveillance/sign/", form_data())
    signature = Signature.objects.get()
    assert (signature.language, signature.letter_version.language) == ("en", "en")


def test_a_campaign_without_a_spanish_version_shows_its_own_text_marked_as_english(
    client, campaign
):
    page = client.get("/es/c/stop-face-surveillance/").content.decode()
    assert '<article class="campaign" lang="en">' in page
    assert "Stop face surveillance" in page
    assert "Firma la petición" in page


def test_form_errors_are_in_spanish_and_summarised_with_links_to_each_field(client, campaign):
    response = client.post(
        "/es/c/stop-face-surveillance/sign/", form_data(first_name="", email="nope")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Hay problemas en 2 respuestas" in page
    assert '<a href="#id_first_name">Nombre: Este campo es obligatorio.</a>' in page
    assert "Escribe una dirección de correo electrónico como nombre@ejemplo.org." in page
    # The summary is focusable and takes the focus on load.
    assert 'id="error-summary" role="alert" tabindex="-1" autofocus' in page


def test_numbers_are_written_the_spanish_way(client, campaign):
    campaign.goal = 12500
    campaign.save()
    spanish = client.get("/es/c/stop-face-surveillance/").content.decode()
    english = client.get("/c/stop-face-surveillance/").content.decode()
    assert "Nuestra meta es 12\xa0500." in spanish
    assert "Our goal is 12,500." in english
    # Attributes a browser reads as numbers are never grouped.
    assert 'max="12500"' in spanish


def test_the_input_limits_in_the_page_are_the_servers(client, campaign):
    page = client.get("/c/stop-face-surveillance/").content.decode()
    for name, limit in {"first_name": 100, "last_name": 100, "email": 254, "comment": 2000}.items():
        tag = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', page).group(0)
        assert f'maxlength="{limit}"' in tag, tag


def test_the_letters_addressees_are_named_in_the_pages_language(client, campaign):
    campaign.addressee = "your local lawmakers"
    save_campaign(campaign)
    english = client.get("/c/stop-face-surveillance/").content.decode()
    assert "The letter we will send to your local lawmakers on your behalf" in english
    # A translation that does not name them: the targets' names, never the English words.
    translation = translate_to_spanish(campaign)
    spanish = client.get("/es/c/stop-face-surveillance/").content.decode()
    assert "your local lawmakers" not in spanish
    assert "La carta que enviaremos en tu nombre a A. Official, Director" in spanish
    translation.addressee = "tus representantes locales"
    translation.save()
    spanish = client.get("/es/c/stop-face-surveillance/").content.decode()
    assert "La carta que enviaremos en tu nombre a tus representantes locales" in spanish
