"""The local demo campaign in Spanish, so `make demo` shows /es/ with real
content: a supporter is addressed as tú, as everywhere on the site; the
letter addresses the lawmaker as usted, as a letter to an office does."""

from __future__ import annotations

from undersigned.campaigns.actions import save_translation
from undersigned.campaigns.models import Campaign, CampaignTranslation

TITLE = "Acabemos con la vigilancia facial en tu comunidad"
SUMMARY = (
    "Pide a tus representantes locales que prohíban la vigilancia facial del gobierno. "
    "Cada 100 firmantes de un área, la carta llega a los representantes de esa área."
)
BODY = """\
Las cámaras que reconocen rostros se están extendiendo por nuestras ciudades, a
menudo compradas con una subvención y encendidas sin una sola votación pública.
La vigilancia facial permite al gobierno identificar, seguir y fichar a
cualquiera que camine por la calle o que vaya a una clínica, a un lugar de
culto o a una protesta. Se equivoca, y sus errores recaen con más fuerza sobre
quienes ya sufren un exceso de vigilancia policial.

Algunas ciudades ya han dicho que no. La tuya también puede.

**Cómo funciona esta carta.** Firma con tu código postal. Cada vez que otras
100 personas de tu área hayan firmado, entregaremos la carta, con sus nombres,
a tus representantes locales. Podrás encontrar a las demás personas de tu área
que han firmado.
"""
ADDRESSEE = "tus representantes locales"
SUBJECT = "Pongan fin a la vigilancia facial del gobierno en nuestra comunidad"
# One line per paragraph, like the English letter: browsers and mail clients wrap them.
LETTER = (
    "Estimada autoridad:\n\n"
    "Vivimos en su distrito y le escribimos para pedirle que ponga fin al uso de la "
    "vigilancia facial por parte de nuestro gobierno local.\n\n"
    "El reconocimiento facial convierte cada cámara en un punto de control. Permite a las "
    "autoridades identificar a las personas a distancia, sin que lo sepan, y llevar un "
    "registro de adónde van y con quién se reúnen. Confunde a unas personas con otras, y el "
    "daño de esos errores no se reparte por igual.\n\n"
    "Le pedimos que apruebe una ordenanza que prohíba a todos los organismos locales, "
    "incluida la policía, adquirir o usar tecnología de vigilancia facial o información "
    "obtenida de ella, y que permita a los vecinos exigir su cumplimiento.\n\n"
    "Díganos, por favor, cuál es su postura.\n"
)


def seed(local: Campaign) -> CampaignTranslation:
    """The local campaign's Spanish version; run again, it updates it (a changed
    letter becomes a new version of the Spanish letter)."""
    translation = CampaignTranslation.objects.filter(campaign=local, language="es").first()
    translation = translation or CampaignTranslation(campaign=local, language="es")
    translation.title = TITLE
    translation.summary = SUMMARY
    translation.body = BODY
    translation.letter_subject = SUBJECT
    translation.letter_body = LETTER
    translation.addressee = ADDRESSEE
    return save_translation(translation)
