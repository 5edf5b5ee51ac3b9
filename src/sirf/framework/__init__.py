"""Framework configuration: shipped defaults plus one validated TOML file per installation."""
