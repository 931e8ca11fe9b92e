"""Helpers for migrations that move a model from one app to another.

A model moves with SeparateDatabaseAndState: its table keeps its name and its
rows, and only Django's state changes. `move_content_types` moves the models'
content types too, so the staff permissions granted on them stay granted.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _relabel(source: str, target: str, models: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if content_type.objects.filter(app_label=target, model=model).exists():
                continue  # already there (made by a later post_migrate)
            content_type.objects.filter(app_label=source, model=model).update(app_label=target)

    return run


def move_content_types(source: str, target: str, models: list[str]) -> migrations.RunPython:
    return migrations.RunPython(
        _relabel(source, target, models), _relabel(target, source, models), elidable=True
    )
