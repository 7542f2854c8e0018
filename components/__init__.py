"""One ComponentResource per checklist concern; each takes typed, validated args."""
