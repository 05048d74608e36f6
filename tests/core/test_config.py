"""Where settings come from: explicit arguments, the INI file, the environment.

The root conftest gives every test an empty environment and temporary
platform directories, so nothing here reads the developer's own config.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from paysupport.config import (
    ConfigWarning,
    config_path,
    known_settings,
    load_config,
    resolve_settings,
)
from paysupport.errors import ConfigError

ALIASES = {
    "IPERNITY_API_KEY": "api_key",
    "IPERNITY_API_SECRET": "api_secret",
    "IPERNITY_USER": "user",
    "IPERNITY_PERMS": "perms",
}
KEYS = ["api_key", "api_secret", "user", "perms", "missing"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def every_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each key is set in its own source and in every source below it."""
    ini = write(
        tmp_path / "config.ini",
        "[ipernity]\napi_key = from-file\napi_secret = from-file\n\n[flattr]\nclient_id = other\n",
    )
    monkeypatch.setenv("PAYSUPPORT_CONFIG", str(ini))
    for key in ("API_KEY", "API_SECRET", "USER"):
        monkeypatch.setenv(f"PAYSUPPORT_IPERNITY_{key}", "from-env")
    for alias in ALIASES:
        monkeypatch.setenv(alias, "from-alias")
    return ini


def test_precedence_explicit_then_file_then_environment_then_aliases(every_source: Path) -> None:
    settings = resolve_settings("ipernity", KEYS, {"api_key": "explicit"}, env_aliases=ALIASES)
    assert settings == {
        "api_key": "explicit",
        "api_secret": "from-file",
        "user": "from-env",
        "perms": "from-alias",
    }  # "missing" is found nowhere and left out


def test_explicit_none_means_not_given(every_source: Path) -> None:
    settings = resolve_settings("ipernity", ["api_key"], {"api_key": None}, env_aliases=ALIASES)
    assert settings == {"api_key": "from-file"}


def test_explicit_values_become_strings() -> None:
    assert resolve_settings("ipernity", ["port"], {"port": 8080}) == {"port": "8080"}


def test_an_empty_value_in_the_file_falls_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write(tmp_path / "c.ini", "[flattr]\nclient_id =\n"))
    monkeypatch.setenv("PAYSUPPORT_FLATTR_CLIENT_ID", "from-env")
    assert resolve_settings("flattr", ["client_id"], config=config) == {"client_id": "from-env"}


def test_other_providers_sections_are_not_read(every_source: Path) -> None:
    assert resolve_settings("flattr", ["api_key", "client_id"]) == {"client_id": "other"}


def test_environment_names_are_built_from_provider_and_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAYSUPPORT_PATREON_CLIENT_SECRET", "s")
    assert resolve_settings("patreon", ["client_secret"]) == {"client_secret": "s"}


def test_first_alias_present_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGACY_KEY", "legacy")
    aliases = {"MODERN_KEY": "api_key", "LEGACY_KEY": "api_key"}
    assert resolve_settings("x", ["api_key"], env_aliases=aliases) == {"api_key": "legacy"}
    monkeypatch.setenv("MODERN_KEY", "modern")
    assert resolve_settings("x", ["api_key"], env_aliases=aliases) == {"api_key": "modern"}


def test_an_explicit_config_overrides_the_file_on_disk(every_source: Path, tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "other.ini", "[ipernity]\napi_secret = other\n"))
    settings = resolve_settings("ipernity", ["api_secret"], config=config)
    assert settings == {"api_secret": "other"}


# Which file


def test_paysupport_config_points_at_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = write(tmp_path / "elsewhere" / "mine.ini", "[flattr]\nclient_id = abc\n")
    monkeypatch.setenv("PAYSUPPORT_CONFIG", str(ini))
    assert config_path() == ini
    assert resolve_settings("flattr", ["client_id"]) == {"client_id": "abc"}


def test_paysupport_config_expands_the_home_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PAYSUPPORT_CONFIG", "~/paysupport.ini")
    assert config_path() == tmp_path / "paysupport.ini"


def test_default_file_is_in_the_platform_config_directory(tmp_path: Path) -> None:
    path = config_path()
    assert path.name == "config.ini"
    assert path.parent.name == "paysupport"
    write(path, "[flattr]\nclient_id = from-default\n")
    assert resolve_settings("flattr", ["client_id"]) == {"client_id": "from-default"}


def test_no_default_file_is_an_empty_configuration() -> None:
    assert not config_path().exists()
    assert load_config().sections() == []
    assert resolve_settings("flattr", ["client_id"]) == {}


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.ini"
    with pytest.raises(ConfigError, match="not found") as caught:
        load_config(missing)
    assert caught.value.path == str(missing)
    assert str(missing) in str(caught.value)


def test_a_missing_paysupport_config_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAYSUPPORT_CONFIG", str(tmp_path / "nope.ini"))
    with pytest.raises(ConfigError, match="not found"):
        resolve_settings("flattr", ["client_id"])


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read") as caught:
        load_config(tmp_path)  # a directory
    assert caught.value.path == str(tmp_path)
    latin1 = tmp_path / "latin1.ini"
    latin1.write_bytes("[flattr]\nuser = Ren\xe9e\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(latin1)


def test_values_are_taken_literally(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "c.ini", "[flattr]\nclient_secret = 100%%s%(x)s\n"))
    assert resolve_settings("flattr", ["client_secret"], config=config) == {
        "client_secret": "100%%s%(x)s"
    }


# Malformed files name the file and the line


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        pytest.param("client_id = abc\n", 1, "section header", id="no section header"),
        pytest.param(
            "# my settings\n\nclient_id = abc\n", 3, "section header", id="header after comments"
        ),
        pytest.param(
            "[flattr]\nclient_id = abc\nthis line has no equals sign\n",
            3,
            "key = value",
            id="line without =",
        ),
        pytest.param(
            "[flattr]\nfirst bad\nsecond bad\n", 2, "key = value", id="first bad line reported"
        ),
        pytest.param(
            "[flattr]\nclient_id = a\n\n[patreon]\nclient_id = b\n[flattr]\n",
            6,
            "section [flattr] appears twice",
            id="duplicate section",
        ),
        pytest.param(
            "[flattr]\nclient_id = a\nclient_secret = s\nclient_id = b\n",
            4,
            "key 'client_id' appears twice in section [flattr]",
            id="duplicate key",
        ),
        pytest.param(
            "[flattr]\nclient_id = a\nCLIENT_ID = b\n",
            3,
            "'client_id' appears twice",
            id="duplicate key in another case",
        ),
        pytest.param(
            "[a:b]\nx = 1\n[a:b]\n", 3, "section [a:b] appears twice", id="section with a colon"
        ),
        pytest.param(
            "[patreon\nclient_id = b\n",
            1,
            "'[patreon' is not closed: write [patreon]",
            id="unclosed header first",
        ),
        pytest.param(
            "[flattr]\nclient_id = a\n\n[patreon\nclient_id = b\n",
            4,
            "'[patreon' is not closed",
            id="unclosed header, not the key after it",
        ),
        pytest.param(
            "[flattr]\nclient_id = a\n[patreon  \n",
            3,
            "'[patreon' is not closed",
            id="unclosed header last",
        ),
        pytest.param(
            "[flattr]\nno equals\n[patreon\n",
            2,
            "key = value",
            id="error before an unclosed header",
        ),
    ],
)
def test_malformed_file_names_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path / "config.ini", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == line
    assert message in str(error)
    assert f"({path}, line {line})" in str(error)


def test_malformed_paysupport_config_fails_resolution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "config.ini", "client_id = abc\n")
    monkeypatch.setenv("PAYSUPPORT_CONFIG", str(path))
    with pytest.raises(ConfigError) as caught:
        resolve_settings("flattr", ["client_id"])
    assert (caught.value.path, caught.value.line) == (str(path), 1)


# Names nothing reads: warned about, at their line, with a "did you mean"


def warnings_of(path: Path) -> list[ConfigWarning]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_config(path)
    return [w.message for w in caught if isinstance(w.message, ConfigWarning)]


def test_a_misspelt_section_is_warned_about_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path / "c.ini", "[patreon]\nclient_id = a\n\n[flatr]\nclient_id = b\n")
    (warning,) = warnings_of(path)
    assert (warning.path, warning.line) == (str(path), 4)
    assert "section [flatr] is ignored" in str(warning)
    assert "did you mean [flattr]?" in str(warning)
    assert f"({path}, line 4)" in str(warning)


def test_a_section_named_in_another_case_is_not_read_and_is_warned_about(tmp_path: Path) -> None:
    path = write(tmp_path / "c.ini", "[Flattr]\nclient_id = b\n")
    with pytest.warns(ConfigWarning, match=r"did you mean \[flattr\]\?"):
        config = load_config(path)
    assert resolve_settings("flattr", ["client_id"], config=config) == {}


def test_a_misspelt_key_is_warned_about_with_its_line_and_a_suggestion(tmp_path: Path) -> None:
    text = "[patreon]\nclient_id = a\nclient_secrett = s3cr3t-value\n"
    path = write(tmp_path / "c.ini", text)
    (warning,) = warnings_of(path)
    assert warning.line == 3
    assert "key 'client_secrett' in section [patreon] is ignored" in str(warning)
    assert "did you mean 'client_secret'?" in str(warning)
    assert "s3cr3t-value" not in str(warning)  # names only, never values


def test_a_key_in_default_that_no_provider_reads_is_warned_about(tmp_path: Path) -> None:
    path = write(tmp_path / "c.ini", "[DEFAULT]\naccount = me\napp_nme = shop\n")
    (warning,) = warnings_of(path)
    assert warning.line == 3 and "did you mean 'app_name'?" in str(warning)


def test_known_sections_and_keys_give_no_warning(tmp_path: Path) -> None:
    text = (
        "[DEFAULT]\napp_name = shop\n"
        "[patreon]\nCLIENT_ID = a\nclient_secret = s\nbase_url = http://127.0.0.1:1\n"
        "[flattr]\naccess_token = t\nrate_limit_mode = raise\ntoken_store = memory\n"
        "[ipernity]\napi_key = k\n"
        "[example]\napi_key = k\n"  # a third-party provider, found by its entry point
    )
    path = write(tmp_path / "c.ini", text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_config(path)


def test_known_names_come_from_the_installed_providers_declarations() -> None:
    from paysupport.registry import provider_classes

    known = known_settings()
    assert set(provider_classes()) <= set(known)
    assert known["flattr"] is not None and {"client_secret", "base_url"} <= known["flattr"]


def test_warnings_can_be_made_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "c.ini", "[flattr]\nclient_idd = a\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConfigWarning)
        with pytest.raises(ConfigWarning, match="did you mean 'client_id'"):
            load_config(path)
    assert issubclass(ConfigWarning, UserWarning)
