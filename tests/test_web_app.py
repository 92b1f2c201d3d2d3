import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web_fixture import tiny_scenario
from zsa_sim.errors import ZsaError
from zsa_sim.web import app as web_app

pytest.importorskip("dash", reason="the workbench needs Dash (pip install 'zsa-sim[web]')")

RAMP_MINI = Path(__file__).parent / "data" / "scenarios" / "ramp_mini.yaml"


@pytest.fixture
def scenario(tmp_path):
    return tiny_scenario(tmp_path / "scenario")


def test_only_loopback_goes_without_token():
    assert not web_app.needs_token("127.0.0.1")
    assert not web_app.needs_token("localhost")
    assert not web_app.needs_token("::1")
    assert web_app.needs_token("0.0.0.0")
    assert web_app.needs_token("192.168.1.20")


def test_the_app_serves_everything_itself(scenario, tmp_path):
    app = web_app.create_app(scenario, tmp_path / "results")
    assert app.config.serve_locally is True
    assert app.config.external_stylesheets == [] and app.config.external_scripts == []
    client = app.server.test_client()
    index = client.get("/").get_data(as_text=True)
    assert "http://" not in index and "https://" not in index
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    assert "mini-v1" in layout.get_data(as_text=True)  # the next version name is offered


def test_the_language_is_kept_for_the_layout_request(scenario, tmp_path):
    client = web_app.create_app(scenario, tmp_path / "results").server.test_client()
    assert "Rechnen" in client.get("/_dash-layout").get_data(as_text=True)
    client.get("/?lang=en")
    assert "Earlier runs" in client.get("/_dash-layout").get_data(as_text=True)


def test_a_ramp_is_shown_step_by_step(tmp_path):
    client = web_app.create_app(RAMP_MINI, tmp_path / "results").server.test_client()
    layout = json.loads(client.get("/_dash-layout").get_data(as_text=True))
    assert "2026-01-01: 0.5; 2026-02-01: 1" in _values(layout, "f-zsa-staff")


def _values(node, element_id):
    """Every value of the element ``element_id`` in a layout as JSON."""
    if isinstance(node, list):
        return [v for child in node for v in _values(child, element_id)]
    if not isinstance(node, dict):
        return []
    props = node.get("props", {})
    own = [props.get("value")] if props.get("id") == element_id else []
    return own + _values(props.get("children"), element_id)


def test_a_token_guards_every_request(scenario, tmp_path):
    app = web_app.create_app(scenario, tmp_path / "results", token="s3cret")
    client = app.server.test_client()
    for path in ("/", "/_dash-layout", "/_dash-dependencies"):
        assert client.get(path).status_code == 403
    assert client.post("/_dash-update-component", json={}).status_code == 403
    assert client.get("/?token=wrong").status_code == 403
    assert client.get("/", headers={web_app.TOKEN_HEADER: "s3cret"}).status_code == 200
    first = client.get("/?token=s3cret")
    assert first.status_code == 200
    assert "HttpOnly" in first.headers["Set-Cookie"]
    assert client.get("/_dash-layout").status_code == 200  # the cookie carries it on


def test_a_server_on_another_address_prints_a_token_url(scenario, tmp_path):
    server = web_app.start_server(scenario, host="0.0.0.0", port=0, out_root=tmp_path)
    try:
        assert server.token and len(server.token) >= 20
        assert server.url.endswith(f"/?token={server.token}")
    finally:
        server._server.server_close()
    local = web_app.start_server(scenario, port=0, out_root=tmp_path)
    try:
        assert local.token is None and local.url.startswith("http://127.0.0.1:")
    finally:
        local._server.server_close()


def test_a_busy_port_is_one_line(scenario, tmp_path):
    first = web_app.start_server(scenario, port=0, out_root=tmp_path)
    try:
        port = first._server.server_port
        with pytest.raises(ZsaError, match=rf"^cannot listen on 127\.0\.0\.1:{port}: "):
            web_app.start_server(scenario, port=port, out_root=tmp_path)
    finally:
        first._server.server_close()


def test_without_dash_serve_says_what_to_install(tmp_path):
    code = (
        "import sys; sys.modules['dash'] = None\n"
        "from zsa_sim.cli import main\n"
        "main(['serve', 'tests/data/scenarios/mini.yaml'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == "Error: the workbench needs Dash: pip install 'zsa-sim[web]'\n"


def test_serve_has_help_with_an_example():
    from click.testing import CliRunner

    from zsa_sim.cli import _register, cli

    _register()
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "zsa-sim serve scenarios/hybrid.yaml --port 8060" in result.output
    assert "--host" in result.output and "token" in result.output
