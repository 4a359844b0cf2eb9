"""travel repositories: the classes that call the generated client."""
