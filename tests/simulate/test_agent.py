from __future__ import annotations

import pytest

from autoprov.polycom.models import all_models, find_model
from autoprov.polycom.useragent import Stage, parse_user_agent
from autoprov.simulate.agent import provisioning_user_agent, sip_user_agent


def test_sip_user_agent_is_the_captured_form() -> None:
    model = find_model("VVX_410")
    assert model is not None
    assert sip_user_agent(model, "5.9.5.0614") == "PolycomVVX-VVX_410-UA/5.9.5.0614"


def test_provisioning_user_agent_names_the_stage() -> None:
    model = find_model("SSIP_6000")
    assert model is not None
    assert (
        provisioning_user_agent(model, "5.0.3.1667", Stage.UPDATER)
        == "FileTransport PolycomSoundStationIP-SSIP_6000-UA/5.0.3.1667 Type/Updater"
    )


@pytest.mark.parametrize("token", sorted(all_models()))
@pytest.mark.parametrize("stage", list(Stage))
def test_every_model_round_trips_through_the_parser(token: str, stage: Stage) -> None:
    model = all_models()[token]
    sip = parse_user_agent(sip_user_agent(model, "1.2.3.4"))
    http = parse_user_agent(provisioning_user_agent(model, "1.2.3.4", stage))
    assert sip is not None and http is not None
    assert (sip.model, sip.version, sip.stage) == (token, "1.2.3.4", None)
    assert (http.model, http.version, http.stage) == (token, "1.2.3.4", stage)
