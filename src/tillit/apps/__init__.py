"""Application types (assistant, …): declarative manifests, stored per tenant, run as Runs."""
