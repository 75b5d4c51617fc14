"""Storage: tables, the unit of work and queries. The only place with SQL."""
