from tests.api.conftest import api_as  # noqa: F401 (a fixture)
from tests.outbound.conftest import frozen, peer  # noqa: F401 (the SMTP peer, a still clock)
