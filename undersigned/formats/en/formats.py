# English dates as the site has always written them ("22 November 2026"),
# not Django's US default ("Nov. 22, 2026"). Other languages use Django's own.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
