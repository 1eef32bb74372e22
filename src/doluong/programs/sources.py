"""Where a target's actual value comes from: an open registry of data sources, any app adds to.

`programs.models.Source` lists the plans app's own sources (and "manual"); an app adds one with
`SOURCES.register(key, title)` and its calculator with `programs.progress.calculator(key, …)` in its
`<app>/progress.py` (imported at start-up, core.plugins). `Target.source` takes its choices from here (a callable,
so a new source needs no migration); an unknown key fails the model's validation like any bad choice.
"""

from __future__ import annotations


class SourceRegistry:
    def __init__(self):
        self._titles: dict[str, object] = {}

    def register(self, key: str, title) -> None:
        if key in self._titles and self._titles[key] != title:
            raise ValueError(f"data source {key!r} is registered twice")
        self._titles[key] = title

    @property
    def choices(self) -> list[tuple[str, object]]:
        return list(self._titles.items())

    @property
    def values(self) -> list[str]:
        return list(self._titles)

    def __contains__(self, key) -> bool:
        return key in self._titles


SOURCES = SourceRegistry()


def source_choices() -> list[tuple[str, object]]:
    """`Target.source`'s choices: every registered data source."""
    return SOURCES.choices
