"""Containers: records that outlive their processes, a lifecycle, and a monitor per running one."""
