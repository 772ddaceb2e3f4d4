"""Child-concern reports (orosanmälningar): intake, passage classification, annotation, training."""
