"""`salesglass demo --dir` into a folder whose name has a quote or a backslash: the config it wrote was not
valid TOML ("Expected newline or end of document after a statement"), and the demo stopped at step 2."""

import shutil
import tomllib
from pathlib import Path

import pytest

from salesglass.demo.config import demo_config_text

FIXTURE_COMPANY = Path(__file__).parent / "amocrm" / "fixtures" / "company"


@pytest.mark.parametrize("profile", ["biletoid", "sibkassa"])
def test_the_demo_config_names_an_odd_folder_exactly(tmp_path, profile):
    company = tmp_path / 'demo "q" ü\\x' / "company"
    shutil.copytree(FIXTURE_COMPANY, company)
    config = tomllib.loads(demo_config_text(company, profile))
    plans = config["plans"]["path"]
    assert plans == (company / "plans.xlsx").as_posix()
    if profile == "biletoid":
        assert config["platform"]["url"] == f"sqlite:///{(company / 'backoffice.sqlite').as_posix()}"
    else:
        paths = [i["path"] for i in config["platform"]["inputs"]]
        assert paths[0] == (company / "backoffice" / "partners.csv").as_posix()
