"""ProjectServices: the checklist's APIs and the platform's, never disabled on destroy, depended on by all."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from agencyos_infra.engine import ProgramRun
from components.project_services import REQUIRED_APIS, ProjectServicesArgs, ProjectServicesSpec
from stacks.settings import NAMESPACE
from tests.conftest import run_repo_stack

SERVICE = "gcp:projects/service:Service"
COMPONENT = "agencyos:project:ProjectServices"
CHECKLIST_APIS = {  # checklist 3.google-cloud-platform.2.1-.4
    "storage.googleapis.com",
    "cloudfunctions.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
}


def test_every_api_is_enabled_and_kept_on_destroy(prod_run: ProgramRun) -> None:
    services = {r.inputs.plain["service"]: r for r in prod_run.of_type(SERVICE)}
    assert set(services) == set(REQUIRED_APIS) and set(services) >= CHECKLIST_APIS
    for api, service in services.items():
        assert service.inputs.plain["disableOnDestroy"] is False, service.urn
        assert service.inputs.plain["project"] == "agencyos-prod", service.urn
        assert service.name == f"project-services-{api.split('.')[0]}", service.urn


def test_children_are_parented_and_other_components_depend_on_them(prod_run: ProgramRun) -> None:
    [component] = prod_run.of_type(COMPONENT)
    services = prod_run.of_type(SERVICE)
    assert all(s.parent == component.urn for s in services)
    urns = {s.urn for s in services}
    for type_ in (
        "gcp:compute/network:Network",
        "gcp:sql/databaseInstance:DatabaseInstance",
        "gcp:serviceaccount/account:Account",
    ):
        for resource in prod_run.of_type(type_):
            assert urns <= set(resource.dependencies), resource.urn


def test_additional_apis_are_added() -> None:
    run = run_repo_stack(
        "prod", overrides={f"{NAMESPACE}:projectServices": '{"additionalApis": ["aiplatform.googleapis.com"]}'}
    )
    assert run.error is None, run.error
    assert "aiplatform.googleapis.com" in {r.inputs.plain["service"] for r in run.of_type(SERVICE)}


@pytest.mark.parametrize(
    "apis", [["aiplatform"], ["ai platform.googleapis.com"], ["\u0430iplatform.googleapis.com"], ["x.example.com"]]
)
def test_invalid_api_names_are_rejected(apis: list[str]) -> None:
    with pytest.raises(ValidationError) as error:
        ProjectServicesSpec.model_validate({"additionalApis": apis})
    assert error.value.errors()[0]["loc"][0] == "additionalApis"


def test_project_is_required() -> None:
    with pytest.raises(ValueError, match="project is required"):
        ProjectServicesArgs(project="")
