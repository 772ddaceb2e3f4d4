"""Knowledge collections: connectors → documents → structured blocks → chunks → hybrid search."""
