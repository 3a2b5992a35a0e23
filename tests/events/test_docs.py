"""docs/events.md is generated from the catalogue and must match it."""

from postroom.events.catalogue import CATALOGUE, EventType
from postroom.events.docs import PAGE, render


def test_the_events_page_is_generated_from_the_catalogue():
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/events.md is stale: run `python -m postroom.events.docs --write`"
    )


def test_every_event_type_has_a_schema_and_a_description():
    assert set(CATALOGUE) == set(EventType)
    undocumented = [t for t, (schema, _a) in CATALOGUE.items() if not schema.__doc__]
    assert undocumented == []
