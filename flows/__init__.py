"""Prefect flows of newsetl (installed as the package `newsetl_flows`)."""
