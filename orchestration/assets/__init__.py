"""Assets of the pipeline: raw extraction, the dbt project, and the serving publish."""
