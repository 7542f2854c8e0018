"""The checklist's sensitive variables: each one a Secret Manager secret, named once.

The program creates one secret per entry (``components/secrets.py``); the pack's stack-level policy
checks that a stack running the application has every required one. Stdlib only, like the rest of
this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class SensitiveVariable:
    """An environment variable of the checklist whose value is a credential."""

    name: str
    """The variable, e.g. STRIPE_API_KEY."""
    item: str
    """Id of the checklist item that asks for it."""
    required: bool = True
    """False where the checklist calls it optional (Sentry, AI providers)."""

    @property
    def slug(self) -> str:
        """The secret's id suffix: STRIPE_API_KEY -> stripe-api-key (ids are <prefix>-<slug>)."""
        return self.name.lower().replace("_", "-")


SENSITIVE_VARIABLES: Final = (
    SensitiveVariable("SECRET_KEY", "1.core-application-settings.4"),
    SensitiveVariable("DATABASE_URL", "1.database-configuration.1"),
    SensitiveVariable("REDIS_URL", "1.database-configuration.2"),
    # The anon key is public by design, but it is a signed JWT: kept with the others so no token ever
    # sits in a ConfigMap (the credential policy would rightly flag it) and it rotates with them.
    SensitiveVariable("SUPABASE_ANON_KEY", "1.supabase-configuration.2"),
    SensitiveVariable("SUPABASE_SERVICE_ROLE_KEY", "1.supabase-configuration.3"),
    SensitiveVariable("PAYPAL_CLIENT_SECRET", "1.payment-gateway-configuration.2"),
    SensitiveVariable("PAYPAL_WEBHOOK_ID", "1.payment-gateway-configuration.3"),
    SensitiveVariable("STRIPE_API_KEY", "1.payment-gateway-configuration.5"),
    SensitiveVariable("STRIPE_WEBHOOK_SECRET", "1.payment-gateway-configuration.6"),
    SensitiveVariable("GUMROAD_ACCESS_TOKEN", "1.payment-gateway-configuration.7"),
    SensitiveVariable("GUMROAD_WEBHOOK_SECRET", "1.payment-gateway-configuration.8"),
    SensitiveVariable("SMTP_PASSWORD", "3.email-service-sendgrid-mailgun.2.4"),
    SensitiveVariable("OPENAI_API_KEY", "3.ai-services-if-using-agencyos-ai-features.1", required=False),
    SensitiveVariable("ANTHROPIC_API_KEY", "3.ai-services-if-using-agencyos-ai-features.2", required=False),
    SensitiveVariable("GEMINI_API_KEY", "3.ai-services-if-using-agencyos-ai-features.3", required=False),
    SensitiveVariable("SENTRY_DSN", "1.additional-production-variables.3", required=False),
)
"""Every sensitive variable of the checklist, in checklist order."""

REQUIRED_SECRETS: Final = tuple(variable for variable in SENSITIVE_VARIABLES if variable.required)
"""The ones a stack running the application must have."""
