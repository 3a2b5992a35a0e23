import pytest

from postroom.inbox import actions
from postroom.knowledge.models import Category
from tests.api.conftest import api_as  # noqa: F401 (a fixture)


@pytest.fixture
def billing(world) -> Category:
    return actions.do_save_category(None, name="Billing", actor=world.alice)
