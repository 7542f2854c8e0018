"""The README's generated sections match the code: config keys, policy catalogue, uncovered items."""

from agencyos_checklist import catalogue

from agencyos_infra.docs import README, render


def test_readme_tables_are_current() -> None:
    current = README.read_text()
    assert render(current) == current, "README tables are stale: run `python -m agencyos_infra.docs`"


def test_readme_lists_every_policy_config_key_and_uncovered_item() -> None:
    from agencyos_policy import REGISTRY

    from stacks.settings import known_keys

    text = README.read_text()
    assert all(f"`{name}`" in text for name in REGISTRY)
    assert all(f"`{key}`" in text for key in known_keys())
    uncovered = text.split("<!-- uncovered-items:start -->")[1].split("<!-- uncovered-items:end -->")[0]
    covered = {spec.item.id for spec in REGISTRY.values()}
    for item_id in catalogue():
        assert (f"`{item_id}`" in uncovered) == (item_id not in covered), item_id
