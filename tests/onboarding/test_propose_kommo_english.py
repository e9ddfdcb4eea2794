"""`amocrm inspect` on an English Kommo account: what its proposal makes of English names."""

from __future__ import annotations

import tomllib

from salesglass.sources.amocrm.propose import propose

PIPELINES = [
    {"id": 100, "name": "New business", "_embedded": {"statuses": []}},
    {"id": 200, "name": "Account growth", "_embedded": {"statuses": []}},
]
CLIENT_TYPE = {
    "id": 701,
    "name": "Client type",
    "type": "select",
    "enums": [{"id": 7011, "value": "Event organizer"}, {"id": 7012, "value": "Ticket agency"}],
}


def test_an_agency_is_an_operator_and_account_growth_a_development_pipeline():
    text = propose(PIPELINES, [CLIENT_TYPE], [], development_hint=True)
    fields = tomllib.loads(text.split("[amocrm.fields]", 1)[1].split("[amocrm.roles]", 1)[0])
    # "Ticket agency" was left out: its deals had no client kind and fell out of the operator reports
    assert (fields["organizer_values"], fields["operator_values"]) == (["Event organizer"], ["Ticket agency"])
    assert '# development_pipelines = ["Account growth"]' in text.splitlines()
