"""travel (002): analytics, A/B experiments, admin RBAC, monitoring and CMS."""
