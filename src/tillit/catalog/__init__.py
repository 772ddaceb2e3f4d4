"""The municipality's registered models: provider, hosting, licence, security class, model card."""
