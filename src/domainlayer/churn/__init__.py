"""churn (001): eCommerce churn early warning: risk levels, alerts, retention."""
