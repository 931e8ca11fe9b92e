"""Importers: each reads one file format into rows and writes them through
the area actions (undersigned.areas.actions), all or nothing. The console
command and the admin upload both come through the registry in
undersigned.areas.importers.registry."""
