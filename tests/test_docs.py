"""The README's generated tables match the code: config keys, defaults and the policy catalogue."""

from agencyos_infra.docs import README, render


def test_readme_tables_are_current() -> None:
    current = README.read_text()
    assert render(current) == current, "README tables are stale: run `python -m agencyos_infra.docs`"


def test_readme_lists_every_policy_and_config_key() -> None:
    from agencyos_policy import ALL_POLICIES

    from stacks.settings import _known_keys

    text = README.read_text()
    assert all(f"`{policy.name}`" in text for policy in ALL_POLICIES)
    assert all(f"`{key}`" in text for key in _known_keys())
