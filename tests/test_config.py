"""Settings: a new data directory is readable by its owner only."""

from __future__ import annotations

from pathlib import Path

from tillit.config import load_settings


def test_a_new_data_directory_is_the_owners_alone(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "ny" / "data")
    assert settings.data_dir.stat().st_mode & 0o777 == 0o700
    existing = tmp_path / "finns"
    existing.mkdir(mode=0o755)
    load_settings(data_dir=existing)
    assert existing.stat().st_mode & 0o777 == 0o755  # an existing directory is left as it is
