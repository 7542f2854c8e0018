"""Composes the components into the AgencyOS platform for one stack."""

from __future__ import annotations

import pulumi

from components.app_ingresses import AppIngresses, AppIngressesArgs
from components.backups import Backups, BackupsArgs
from components.cache import Cache, CacheArgs
from components.certificates import Certificates, CertificatesArgs, Solver
from components.cluster import Cluster, ClusterArgs
from components.database import Database, DatabaseArgs
from components.delivery_identity import DeliveryIdentity, DeliveryIdentityArgs
from components.dns import Dns, DnsArgs
from components.iam import WorkloadIdentities, WorkloadIdentitiesArgs
from components.ingress import IngressController, IngressControllerArgs
from components.labels import shared_labels
from components.log_retention import LogRetention, LogRetentionArgs
from components.monitoring import Monitoring, MonitoringArgs
from components.network import Network, NetworkArgs
from components.network_policies import NetworkPolicies, NetworkPoliciesArgs
from components.project_services import ProjectServices, ProjectServicesArgs
from components.secrets import BY_NAME, Secrets, SecretsArgs, readers
from components.storage import Storage, StorageArgs
from components.uptime import Uptime, UptimeArgs
from components.workloads import WORKLOADS, Workloads, WorkloadsArgs, required_database_connections
from stacks.cloudflare_token import cloudflare_api_token
from stacks.existing_cluster import existing_kubeconfig
from stacks.settings import StackSettings


def build_platform(settings: StackSettings) -> dict[str, pulumi.Input[object]]:
    """Register every component of the stack; returns the stack outputs to export."""
    labels = shared_labels(settings.environment.value)
    services = ProjectServices(
        "project-services", ProjectServicesArgs(project=settings.project, spec=settings.project_services)
    )
    # Every other component waits for the APIs it calls.
    after_services = pulumi.ResourceOptions(depends_on=services.resources)
    identities = WorkloadIdentities(
        "identities",
        WorkloadIdentitiesArgs(
            spec=settings.iam, name_prefix=settings.name_prefix, project=settings.project, labels=labels
        ),
        opts=after_services,
    )
    network = Network(
        "network",
        NetworkArgs(
            spec=settings.network,
            name_prefix=settings.name_prefix,
            region=settings.region,
            labels=labels,
            bastion_service_account=identities.emails["bastion"],
        ),
        opts=after_services,
    )
    # Cloud SQL gets its private IP from the private services access range: the peering comes first.
    after_network = pulumi.ResourceOptions(depends_on=[*services.resources, network.private_services_access])
    database = Database(
        "database",
        DatabaseArgs(
            spec=settings.database,
            name_prefix=settings.name_prefix,
            region=settings.region,
            private_network=network.network_id,
            labels=labels,
            # max_connections, unless the stack sets it, fits the app's pools at the autoscaler's ceiling.
            app_peak_connections=required_database_connections(settings.workloads),
        ),
        opts=after_network,
    )
    # [network-iam] components above this line
    cache = Cache(
        "cache",
        CacheArgs(
            spec=settings.cache,
            name_prefix=settings.name_prefix,
            region=settings.region,
            network=network.network_id,
            labels=labels,
        ),
        opts=after_network,
    )
    storage = Storage(
        "storage",
        StorageArgs(spec=settings.storage, name_prefix=settings.name_prefix, region=settings.region, labels=labels),
        opts=after_services,
    )
    backups = Backups(
        "backups",
        BackupsArgs(
            spec=settings.backups,
            name_prefix=settings.name_prefix,
            project=settings.project,
            region=settings.region,
            network=network.network_id,
            database_instance=database.instance_name,
            database_name=database.database_name,
            database_version=settings.database.version,
            database_service_account=database.service_account_email,
            labels=labels,
        ),
        opts=after_services,
    )
    # [cache-storage] components above this line
    # The cluster joins the VPC and its nodes egress through its NAT: the whole network comes first.
    cluster = Cluster(
        "cluster",
        ClusterArgs(
            spec=settings.cluster,
            name_prefix=settings.name_prefix,
            project=settings.project,
            region=settings.region,
            labels=labels,
            network=network.network_self_link,
            subnetwork=network.subnet_id,
            pods_range_name=network.pods_range_name,
            services_range_name=network.services_range_name,
            node_tag=network.node_tag,
            admin_cidrs=tuple(network.admin_cidrs),
            existing_kubeconfig=existing_kubeconfig() if settings.cluster.existing_kubeconfig_secret else None,
        ),
        opts=pulumi.ResourceOptions(depends_on=[*services.resources, network]),
    )
    # [runtime-cluster] components above this line
    # The application's Google identities: the secrets' readers, the pods' Workload Identity.
    app_accounts = {workload: identities.emails[workload] for workload in WORKLOADS}
    # Secret Manager and Pub/Sub calls wait for their APIs; the versions read the data tier's URLs.
    secrets = Secrets(
        "secrets",
        SecretsArgs(
            spec=settings.secrets,
            name_prefix=settings.name_prefix,
            project=settings.project,
            labels=labels,
            database_url=database.connection_url,
            redis_url=cache.url,
            service_accounts=app_accounts,
        ),
        opts=after_services,
    )
    # Every Kubernetes object goes to the cluster's provider; `providers` (not `provider`) so the
    # Workload Identity bindings, Google resources, keep the default Google provider.
    on_cluster = pulumi.ResourceOptions(providers=[cluster.provider], depends_on=services.resources)
    workloads = Workloads(
        "workloads",
        WorkloadsArgs(
            spec=settings.workloads,
            name_prefix=settings.name_prefix,
            environment=settings.environment.value,
            debug=settings.debug,
            labels=labels,
            service_accounts=app_accounts,
            secret_names=secrets.secret_names,
            secret_readers={variable: readers(variable) for variable in BY_NAME},
            # Workloads is the only component that binds Workload Identity (it names the KSAs).
            workload_identity_pool=cluster.workload_pool,
        ),
        opts=on_cluster,
    )
    network_policies = NetworkPolicies(
        "network-policies",
        NetworkPoliciesArgs(
            namespace=workloads.namespace,
            labels=labels,
            ingress_namespace=settings.workloads.ingress_namespace,
            ports=workloads.ports,
            # The range Cloud SQL (primary, standby, replicas) and Memorystore take addresses from.
            data_tier_cidr=settings.network.private_services_cidr,
            # Prometheus (the Monitoring component, below) scrapes the workloads' /metrics.
            metrics_namespace=settings.monitoring.namespace,
            smtp_port=settings.workloads.smtp.port if settings.workloads.smtp else None,
        ),
        opts=pulumi.ResourceOptions(providers=[cluster.provider]),
    )
    # [runtime-workloads] components above this line
    dns_spec = settings.dns

    def edge_dns(ingress_address: pulumi.Input[str]) -> dict[str, pulumi.Input[object]]:
        """The zone's records point at the ingress controller (created below): registered from the outputs."""
        if not dns_spec.domain:
            return {}
        dns = Dns("dns", DnsArgs(spec=dns_spec, ingress_address=ingress_address))
        return {"dnsZoneId": dns.zone_id, "dnsRecords": dns.record_names}

    # [edge-dns] components above this line
    # cert-manager and the Let's Encrypt issuers on the cluster; Ingresses name certificates.cluster_issuer
    # and depend on certificates.ready.
    certificates = Certificates(
        "certificates",
        CertificatesArgs(
            spec=settings.certificates,
            labels=labels,
            # Read only when the DNS-01 solver is chosen: the HTTP-01 default needs no credentials.
            cloudflare_api_token=cloudflare_api_token()
            if settings.certificates.solver is Solver.DNS01_CLOUDFLARE
            else None,
        ),
        opts=pulumi.ResourceOptions(providers=[cluster.provider]),
    )
    # [edge-tls] components above this line
    # ingress-nginx on a static IP in the namespace the app's NetworkPolicies admit; DNS points at its address.
    ingress = IngressController(
        "ingress",
        IngressControllerArgs(
            spec=settings.ingress,
            name_prefix=settings.name_prefix,
            region=settings.region,
            labels=labels,
            namespace=settings.workloads.ingress_namespace,
        ),
        opts=pulumi.ResourceOptions(providers=[cluster.provider], depends_on=services.resources),
    )
    # The controller's admission webhook validates each Ingress: the release comes first.
    app_ingresses = AppIngresses(
        "app-ingresses",
        AppIngressesArgs(
            spec=settings.ingress,
            namespace=workloads.namespace,
            service_names=workloads.service_names,
            labels=labels,
            ingress_class=ingress.ingress_class,
        ),
        opts=pulumi.ResourceOptions(providers=[cluster.provider], depends_on=[ingress.release, workloads]),
    )
    # [edge-ingress] components above this line
    # Prometheus, Alertmanager and Grafana on the cluster, the checklist's alert rules and dashboards; the
    # Google resources (Grafana's identity) wait for their APIs like every other component's.
    monitoring = Monitoring(
        "monitoring",
        MonitoringArgs(
            spec=settings.monitoring,
            project=settings.project,
            name_prefix=settings.name_prefix,
            labels=labels,
            app_namespace=settings.workloads.namespace,
            workload_identity_pool=cluster.workload_pool,
        ),
        opts=pulumi.ResourceOptions(providers=[cluster.provider], depends_on=services.resources),
    )
    # [obs-metrics] components above this line
    # External HTTPS checks of every public host, the alert channels, and the data tier's alerts.
    uptime = Uptime(
        "uptime",
        UptimeArgs(
            spec=settings.uptime,
            name_prefix=settings.name_prefix,
            project=settings.project,
            labels=labels,
            hosts=(*settings.ingress.frontend_hosts, *settings.ingress.api_hosts),
            database_instance=database.instance_name,
            database_max_connections=database.max_connections,
            redis_instance=cache.instance_name,
            redis_region=settings.region,
            rotation_topic=secrets.rotation_topic_name,
        ),
        opts=after_services,
    )
    # [obs-uptime] components above this line
    # Application, security and audit log buckets, their sinks, and Data Access audit logs.
    logs = LogRetention(
        "logs",
        LogRetentionArgs(
            spec=settings.logs,
            name_prefix=settings.name_prefix,
            project=settings.project,
            region=settings.region,
            app_namespace=settings.workloads.namespace,
            ingress_namespace=settings.workloads.ingress_namespace,
        ),
        opts=after_services,
    )
    # [obs-logs] components above this line
    delivery = _delivery_identity(settings, after_services)
    # [delivery] components above this line
    return {
        "databaseInstance": database.instance_name,
        "databaseConnectionName": database.connection_name,
        "databasePrivateIp": database.private_ip,
        "databaseReplicas": database.replica_names,
        "databaseUrl": database.connection_url,
        "networkId": network.network_id,
        "subnetId": network.subnet_id,
        "bastion": network.bastion_name,
        "workloadServiceAccounts": identities.emails,
        # [network-iam] outputs above this line
        "redisHost": cache.host,
        "redisUrl": cache.url,
        "redisCaCertificate": cache.ca_certificate,
        "uploadsBucket": storage.uploads_bucket,
        "backupsBucket": backups.bucket_name,
        "backupAlertPolicy": backups.alert_policy,
        # [cache-storage] outputs above this line
        "clusterName": cluster.name,
        "workloadIdentityPool": cluster.workload_pool,
        # [runtime-cluster] outputs above this line
        "appNamespace": workloads.namespace,
        "appServices": workloads.service_names,
        "migrationJob": workloads.migration_job,
        "networkPolicies": network_policies.names,
        "secretNames": secrets.secret_names,
        "secretRotationTopic": secrets.rotation_topic,
        # [runtime-workloads] outputs above this line
        **edge_dns(ingress.address),
        # [edge-dns] outputs above this line
        "certManagerNamespace": certificates.namespace,
        "clusterIssuer": certificates.cluster_issuer,
        # [edge-tls] outputs above this line
        "ingressAddress": ingress.address,
        "ingresses": app_ingresses.names,
        # [edge-ingress] outputs above this line
        "monitoringNamespace": monitoring.namespace,
        "grafanaAdminPassword": monitoring.grafana_admin_password,
        "alertRules": list(monitoring.alert_names),
        # [obs-metrics] outputs above this line
        "alertChannels": uptime.channel_ids,
        "uptimeChecks": uptime.check_ids,
        "alertPolicies": uptime.alert_policy_ids,
        # [obs-uptime] outputs above this line
        "logBuckets": logs.bucket_ids,
        "logSinks": logs.sink_names,
        "dataAccessAuditedServices": logs.audited_services,
        # [obs-logs] outputs above this line
        **delivery,
        # [delivery] outputs above this line
    }


def _delivery_identity(settings: StackSettings, opts: pulumi.ResourceOptions) -> dict[str, pulumi.Input[object]]:
    """The workflows' keyless identities, when the stack names its repository; their names are stack outputs."""
    spec = settings.delivery
    if spec.repository is None:
        return {}
    identity = DeliveryIdentity(
        "delivery",
        DeliveryIdentityArgs(
            name_prefix=settings.name_prefix,
            project=settings.project,
            repository=spec.repository,
            deploy_environment=spec.deploy_environment or settings.environment.value,
            deploy_branch=spec.deploy_branch,
            preview_secret_ids=secrets_read_at_preview(settings),
            manages_keys=any(workload.json_key for workload in settings.iam.workloads.values()),
        ),
        opts=opts,
    )
    return {
        "deliveryWorkloadIdentityProvider": identity.provider_name,
        "deliveryPreviewServiceAccount": identity.preview_account,
        "deliveryDeployServiceAccount": identity.deploy_account,
    }


def secrets_read_at_preview(settings: StackSettings) -> tuple[str, ...]:
    """The operator-managed Secret Manager secrets the program reads (data sources run at preview too)."""
    ids = [
        *settings.monitoring.secret_ids().values(),
        settings.uptime.slack_token_secret,
        settings.uptime.pagerduty_key_secret,
    ]
    return tuple(sorted({secret_id for secret_id in ids if secret_id}))
