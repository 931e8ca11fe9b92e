"""How the areas layer tells the layers above it that its data changed.

`areas_changed` is sent after an import has written its rows (never after a
dry run), and after staff add or change a postal link or an official in the
admin, with `report` (the importers.base.ImportReport: its
`postal_codes_changed` names the postal codes whose links changed, and
`officials_changed` says whether officials or their contacts did).
Receivers place the signatures that waited for those areas
(signatures.placing) and send the letters that waited for officials
(deliveries.waiting); they may add lines to the report, which the console
and the admin show.
"""

from django.dispatch import Signal

areas_changed = Signal()
