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


def test_readme_lists_every_policy_config_key_with_its_default_and_source() -> None:
    import json

    from agencyos_policy import REGISTRY

    text = README.read_text()
    table = text.split("<!-- policy-config-table:start -->")[1].split("<!-- policy-config-table:end -->")[0]
    rows = {tuple(cell.strip() for cell in line.split(" | ")[:3]) for line in table.splitlines()[2:]}
    assert "`undeterminedAtPreview`" in text
    for spec in REGISTRY.values():
        for key, param in spec.config.items():
            if key == "undeterminedAtPreview":
                continue
            default = param.schema["default"]
            shown = json.dumps(default) if isinstance(default, (list, dict)) else str(default)
            assert (f"| `{spec.name}`", f"`{key}`", f"`{shown}`") in rows, f"{spec.name}.{key}"
            if param.source is not None:
                line = next(line for line in table.splitlines() if line.startswith(f"| `{spec.name}` | `{key}` |"))
                assert f"`{param.source}`" in line, line


def test_the_example_policy_config_is_valid_and_shown_in_the_readme() -> None:
    import json

    import jsonschema
    from agencyos_policy import REGISTRY

    from agencyos_infra.docs import POLICY_CONFIG_EXAMPLE

    document = json.loads(POLICY_CONFIG_EXAMPLE.read_text())
    assert POLICY_CONFIG_EXAMPLE.read_text().strip() in README.read_text()
    for name, entry in document.items():
        spec = REGISTRY[name]
        if isinstance(entry, str):
            assert entry in ("advisory", "mandatory", "disabled"), name
            continue
        properties = {key: dict(param.schema) for key, param in spec.config.items()}
        schema = {"type": "object", "properties": properties, "additionalProperties": False}
        jsonschema.validate(entry, schema)
        assert any(entry[key] != spec.defaults[key] for key in entry), f"{name}: the example changes nothing"
