"""Cloudflare policies: DNS records, email authentication and zone settings (checklist §4, §8)."""
